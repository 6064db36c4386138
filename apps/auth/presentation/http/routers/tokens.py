from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from apps.auth.application.token.refresh import RefreshTokensInteractor, RefreshTokensRequest
from apps.auth.application.token.verify import ValidateTokenQuery, ValidateTokenRequest
from apps.auth.domain.errors import (
    DomainError,
    RefreshTokenReused,
    StorageUnavailable,
    TokenRevoked,
    TokenTypeMismatch,
)
from apps.auth.presentation.http.cookies import AUTH_PATH, CookieWriter
from apps.auth.presentation.http.dependencies import limit_client
from apps.auth.presentation.http.errors import ERROR_RESPONSES, error_response
from apps.auth.presentation.http.request_context import (
    access_token,
    client_info,
    config_of,
    refresh_token,
    refuse_cross_site,
)

router = APIRouter(prefix=AUTH_PATH, tags=["tokens"], responses=ERROR_RESPONSES)


class RefreshData(BaseModel):
    user_id: UUID
    access_expires_at: datetime
    refresh_expires_at: datetime


class RefreshResponse(BaseModel):
    success: bool = True
    data: RefreshData


class VerifyResponse(BaseModel):
    user_id: UUID
    provider: str


@router.post("/refresh", status_code=201, response_model=RefreshResponse)
async def refresh(request: Request) -> Any:
    """Hot path too: checks run inline and the answer is built without a validation pass."""
    await refuse_cross_site(request)
    await limit_client(request, "refresh_per_ip")
    metrics = request.app.state.metrics
    interactor: RefreshTokensInteractor = request.app.state.container.app_scoped(
        RefreshTokensInteractor
    )
    try:
        result = await interactor.execute(
            RefreshTokensRequest(refresh_token=refresh_token(request), client=client_info(request))
        )
    except DomainError as error:
        if isinstance(error, RefreshTokenReused):
            metrics.reuse.inc()
        metrics.refreshes.labels(error.code.lower()).inc()
        raise
    metrics.refreshes.labels(result.outcome.value).inc()
    tokens = result.tokens
    response = JSONResponse(
        {
            "success": True,
            "data": {
                "user_id": str(result.user_id),
                "access_expires_at": _iso(tokens.access.claims.expires_at),
                "refresh_expires_at": _iso(tokens.refresh.claims.expires_at),
            },
        },
        status_code=201,
    )
    CookieWriter(config_of(request)).set_tokens(response, tokens)
    return response


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@router.get("/verify", response_model=VerifyResponse)
async def verify(request: Request) -> Any:
    """The mesh's hot path: resolved without per-request dependency injection."""
    metrics = request.app.state.metrics
    query: ValidateTokenQuery = request.app.state.container.app_scoped(ValidateTokenQuery)
    try:
        claims = await query.execute(ValidateTokenRequest(token=access_token(request)))
    except StorageUnavailable:
        metrics.verify.labels("unavailable").inc()
        raise
    except DomainError as error:
        revoked = isinstance(error, TokenRevoked)
        metrics.verify.labels("revoked" if revoked else "invalid").inc()
        code = "INVALID_TOKEN" if isinstance(error, TokenTypeMismatch) else error.code
        return error_response(code, error.detail, 403 if revoked else 401)
    metrics.verify.labels("valid").inc()
    user_id = str(claims.sub)
    return JSONResponse(
        {"user_id": user_id, "provider": claims.provider},
        headers={"x-user-id": user_id, "x-auth-provider": claims.provider},
    )


# Envoy's HTTP ext_authz appends the original path to the configured prefix and keeps the
# original method, so `/verify` also answers below itself, for every method.
router.add_api_route(
    "/verify/{original_path:path}",
    verify,
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
    name="verify_forwarded",
)


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    keys = request.app.state.jwks
    return JSONResponse({"keys": list(keys)}, headers={"Cache-Control": "public, max-age=300"})
