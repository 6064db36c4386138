from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from fastapi import APIRouter
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from apps.auth.application.token.refresh import RefreshTokensRequest
from apps.auth.domain.errors import (
    DomainError,
    RefreshTokenReused,
    StorageUnavailable,
    TokenRevoked,
    TokenTypeMismatch,
)
from apps.auth.domain.revocation_event import iso_utc
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.cookies import CookieWriter
from apps.auth.presentation.http.dependencies import current_claims, limit_client
from apps.auth.presentation.http.errors import ERROR_RESPONSES, error_response
from apps.auth.presentation.http.paths import (
    AUTH_PATH,
    EXT_AUTHZ_PREFIX,
    REFRESH_PATH,
    VERIFY_PATH,
)
from apps.auth.presentation.http.request_context import refuse_cross_site, request_facts

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


async def refresh(request: Request) -> Response:
    """Rotates the session's refresh token; the new pair is set as cookies."""
    await refuse_cross_site(request)
    await limit_client(request, "refresh_per_ip")
    api = api_of(request)
    metrics = api.metrics
    facts = request_facts(request)
    try:
        result = await api.services.refresh.execute(
            RefreshTokensRequest(refresh_token=facts.refresh_token, client=facts.client)
        )
    except DomainError as error:
        if isinstance(error, RefreshTokenReused):
            metrics.reuse.inc()
        metrics.refreshed(error.code.lower())
        raise
    metrics.refreshed(result.outcome.value)
    tokens = result.tokens
    response = _json(
        {
            "success": True,
            "data": {
                "user_id": str(result.user_id),
                "access_expires_at": iso_utc(tokens.access.claims.expires_at),
                "refresh_expires_at": iso_utc(tokens.refresh.claims.expires_at),
            },
        },
        status_code=201,
    )
    CookieWriter(config=api.config).set_tokens(response, tokens)
    return response


def _json(
    content: dict[str, Any], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """The mesh endpoints' answers: serialised by orjson, not by the stdlib encoder under
    `JSONResponse`, which costs several microseconds per answer on the busiest paths."""
    return Response(orjson.dumps(content), status_code, headers, media_type="application/json")


async def verify(request: Request) -> Response:
    """The mesh's token check: 200 with the caller's id, 401 invalid, 403 revoked."""
    metrics = api_of(request).metrics
    try:
        claims = await current_claims(request)
    except StorageUnavailable:
        metrics.verify_results["unavailable"].inc()
        raise
    except DomainError as error:
        revoked = isinstance(error, TokenRevoked)
        metrics.verify_results["revoked" if revoked else "invalid"].inc()
        code = "INVALID_TOKEN" if isinstance(error, TokenTypeMismatch) else error.code
        return error_response(code, error.detail, 403 if revoked else 401)
    metrics.verify_results["valid"].inc()
    user_id = str(claims.sub)
    return _json(
        {"user_id": user_id, "provider": claims.provider},
        headers={"x-user-id": user_id, "x-auth-provider": claims.provider},
    )


async def verify_forwarded(request: Request) -> Response:
    """`/verify` as Envoy's HTTP ext_authz calls it, for a request to another service.

    A CORS preflight (`OPTIONS`) carries no credentials by definition, and the service it is
    addressed to answers it: the check lets it through with 200 and names nobody, so the
    upstream never receives an identity for it. Every other method is checked like `/verify`.
    """
    if request.method == "OPTIONS":
        return Response(status_code=200)
    return await verify(request)


# Envoy's HTTP ext_authz appends the original path to the configured prefix and keeps the
# original method, so `/verify` also answers below itself, for every method.
FORWARDED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class MeshRoute(Route):
    """A plain Starlette route that, like FastAPI's own, names itself in the request scope, so
    logs and metrics label it by its template."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            child["route"] = self
        return match, child


def mesh_routes() -> list[BaseRoute]:
    """`/verify` and `/refresh` as plain routes: the busiest endpoints need no request parsing,
    so they skip FastAPI's dependency machinery. The app places them before its own routes."""
    return [
        MeshRoute(VERIFY_PATH, verify, methods=["GET"], name="verify"),
        MeshRoute(
            f"{EXT_AUTHZ_PREFIX}{{original_path:path}}",
            verify_forwarded,
            methods=FORWARDED_METHODS,
            name="verify_forwarded",
        ),
        MeshRoute(REFRESH_PATH, refresh, methods=["POST"], name="refresh"),
    ]


# The same endpoints, declared for the OpenAPI document; requests are answered by the plain
# routes above, which come first.
router.add_api_route(
    "/refresh", refresh, methods=["POST"], status_code=201, response_model=RefreshResponse
)
router.add_api_route("/verify", verify, methods=["GET"], response_model=VerifyResponse)


# How long a verifier may keep the key set: a standby key is published at least this long
# before it signs, and the RUNBOOK's waits between key changes are longer.
JWKS_MAX_AGE_SECONDS = 300


@router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    keys = api_of(request).jwks
    cache = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return JSONResponse({"keys": list(keys)}, headers={"Cache-Control": cache})
