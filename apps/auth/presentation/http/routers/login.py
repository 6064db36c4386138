from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import Match
from starlette.types import Scope

from apps.auth.application.common.errors import LoginFailed
from apps.auth.application.oauth.authorize import StartLoginRequest
from apps.auth.application.oauth.callback import CompleteLoginRequest
from apps.auth.domain.errors import DomainError, UnsupportedProvider
from apps.auth.domain.user import DEV_PROVIDER, REAL_PROVIDERS
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.cookies import CookieWriter
from apps.auth.presentation.http.dependencies import rate_limited
from apps.auth.presentation.http.errors import ERROR_RESPONSES
from apps.auth.presentation.http.login_guard import canonical_redirect, require_configured
from apps.auth.presentation.http.paths import AUTH_PATH, FIXED_SEGMENTS
from apps.auth.presentation.http.request_context import config_of, request_facts


class ProviderRoute(APIRoute):
    """A route whose `{provider}` segment is never one of the API's own fixed paths.

    `GET /refresh` must answer 405 from the `POST /refresh` route, not 404 from the legacy
    `GET /{provider}` alias.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and child["path_params"].get("provider") in FIXED_SEGMENTS:
            return Match.NONE, {}
        return match, child


router = APIRouter(
    prefix=AUTH_PATH, tags=["login"], responses=ERROR_RESPONSES, route_class=ProviderRoute
)


class AuthorizeResponse(BaseModel):
    authorization_url: str
    state: str
    expires_at: datetime


class LegacyAuthorizeResponse(BaseModel):
    success: bool = True
    data: AuthorizeResponse


Provider = Annotated[
    str,
    Path(
        description="Login provider; anything else answers 404 UNSUPPORTED_PROVIDER",
        json_schema_extra={"enum": [*REAL_PROVIDERS, DEV_PROVIDER]},
    ),
]
Origin = Annotated[str | None, Query(max_length=255)]
Device = Annotated[str | None, Query(max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
Hint = Annotated[str | None, Query(max_length=64)]


async def _start(
    request: Request,
    provider: str,
    origin: str | None,
    device: str | None,
    hint: str | None,
) -> tuple[AuthorizeResponse, str]:
    result = await api_of(request).services.start_login.execute(
        StartLoginRequest(
            provider=provider, frontend_origin=origin, device_id=device, login_hint=hint
        )
    )
    body = AuthorizeResponse(
        authorization_url=result.authorization_url, state=result.state, expires_at=result.expires_at
    )
    return body, result.browser_binding


def _with_binding(request: Request, response: Any, binding: str, expires_at: datetime) -> Any:
    max_age = max(1, int((expires_at - datetime.now(expires_at.tzinfo)).total_seconds()))
    CookieWriter(config=config_of(request)).set_login_binding(response, binding, max_age)
    return response


@router.get(
    "/{provider}/authorize",
    response_model=AuthorizeResponse,
    dependencies=[Depends(rate_limited("authorize"))],
    responses={
        302: {"description": "Redirect to the provider when redirect=true"},
        307: {"description": "Local/test: the same request on the public base URL's host"},
    },
)
async def authorize(
    request: Request,
    provider: Provider,
    frontend_origin: Origin = None,
    device_id: Device = None,
    login_hint: Hint = None,
    redirect: bool = False,
) -> Any:
    moved = canonical_redirect(request)
    if moved is not None:
        return moved
    require_configured(request, provider)
    body, binding = await _start(request, provider, frontend_origin, device_id, login_hint)
    response: Any
    if redirect:
        response = RedirectResponse(body.authorization_url, status_code=302)
    else:
        response = JSONResponse(body.model_dump(mode="json"))
    return _with_binding(request, response, binding, body.expires_at)


@router.get(
    "/{provider}/login",
    response_model=LegacyAuthorizeResponse,
    dependencies=[Depends(rate_limited("authorize"))],
)
async def legacy_login(
    request: Request,
    provider: Provider,
    frontend_origin: Origin = None,
    device_id: Device = None,
) -> Any:
    require_configured(request, provider)
    body, binding = await _start(request, provider, frontend_origin, device_id, None)
    response = JSONResponse(LegacyAuthorizeResponse(data=body).model_dump(mode="json"))
    return _with_binding(request, response, binding, body.expires_at)


router.add_api_route(
    "/{provider}",
    legacy_login,
    methods=["GET"],
    response_model=LegacyAuthorizeResponse,
    dependencies=[Depends(rate_limited("authorize"))],
    name="legacy_provider",
)


@router.get(
    "/{provider}/callback",
    status_code=302,
    response_class=RedirectResponse,
    dependencies=[Depends(rate_limited("callback"))],
)
async def callback(
    request: Request,
    provider: Provider,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    api = api_of(request)
    config = api.config
    cookies = CookieWriter(config=config)
    metrics = api.metrics
    if provider not in config.providers:
        raise UnsupportedProvider()
    facts = request_facts(request)
    try:
        result = await api.services.complete_login.execute(
            CompleteLoginRequest(
                provider=provider,
                state=state,
                code=code,
                error=error,
                browser_binding=facts.login_binding,
                client=facts.client,
            )
        )
    except DomainError as failure:
        origin = (
            failure.frontend_origin if isinstance(failure, LoginFailed) else config.origins.default
        )
        metrics.logins.labels(provider, "failure").inc()
        response = RedirectResponse(
            f"{origin}/#/login?error={quote(failure.code)}", status_code=302
        )
        cookies.clear_login_binding(response)
        return response
    metrics.logins.labels(provider, "success").inc()
    response = RedirectResponse(f"{result.frontend_origin}/#/home", status_code=302)
    cookies.set_tokens(response, result.tokens)
    cookies.clear_login_binding(response)
    return response
