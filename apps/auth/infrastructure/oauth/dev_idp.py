"""A tiny OpenID-style identity provider for local runs and tests, mounted at `/dev-idp`.

Anyone can sign in under any name; the subject `dev-<name>` is stable, so the same name is
the same user. Codes live 60 s, are single use and bound to the PKCE S256 challenge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from apps.auth.infrastructure.oauth import dev_idp_page
from apps.auth.infrastructure.oauth.dev_idp_store import (
    TOKEN_TTL_SECONDS,
    DevIdpStore,
    DevUser,
    valid_name,
)

DEV_CLIENT_ID = "eco2-auth-dev"
_FORWARDED = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")
_NO_STORE = {"Cache-Control": "no-store"}


def build_dev_idp_app(
    *,
    clients: Mapping[str, str],
    clock: Callable[[], float] = time.monotonic,
) -> Starlette:
    """`clients` maps each client id to the one redirect URI registered for it."""
    store = DevIdpStore(clients=clients, clock=clock)

    async def authorize_page(request: Request) -> Response:
        return _authorize(store, request.query_params, request.query_params.get("login_hint"))

    async def authorize_submit(request: Request) -> Response:
        form = await request.form()
        return _authorize(store, form, _field(form, "name") or "", submitted=True)

    async def token(request: Request) -> Response:
        return _token(store, await request.form())

    async def userinfo(request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        user = store.user_for(value.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            return JSONResponse({"error": "invalid_token"}, status_code=401, headers=headers)
        return JSONResponse(user.claims(), headers=_NO_STORE)

    return Starlette(
        routes=[
            Route("/authorize", authorize_page, methods=["GET"]),
            Route("/authorize", authorize_submit, methods=["POST"]),
            Route("/token", token, methods=["POST"]),
            Route("/userinfo", userinfo, methods=["GET"]),
            Route("/style.css", dev_idp_page.stylesheet, methods=["GET"]),
        ]
    )


def _field(params: QueryParams | FormData, key: str) -> str | None:
    value = params.get(key)
    return value if isinstance(value, str) else None


def _authorize(
    store: DevIdpStore, params: QueryParams | FormData, name: str | None, submitted: bool = False
) -> Response:
    client_id = _field(params, "client_id") or ""
    redirect_uri = _field(params, "redirect_uri") or ""
    if not store.is_registered(client_id, redirect_uri):
        return _html(_page("Unknown client or redirect_uri.", None), status_code=400)
    state = _field(params, "state")
    challenge = _field(params, "code_challenge")
    if not submitted and _field(params, "response_type") != "code":
        return _back(redirect_uri, {"error": "unsupported_response_type", "state": state})
    if not challenge or _field(params, "code_challenge_method") != "S256":
        return _back(redirect_uri, {"error": "invalid_request", "state": state})
    if name is None:
        return _html(_page(None, params))
    user_name = valid_name(name)
    if user_name is None:
        return _html(_page("Enter a name (up to 64 characters).", params), status_code=400)
    code = store.issue_code(
        DevUser(name=user_name),
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge,
    )
    return _back(redirect_uri, {"code": code, "state": state})


def _back(redirect_uri: str, params: Mapping[str, str | None]) -> Response:
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query) + [(k, v) for k, v in params.items() if v is not None]
    return RedirectResponse(urlunsplit(parts._replace(query=urlencode(query))), status_code=302)


def _token(store: DevIdpStore, form: FormData) -> Response:
    if _field(form, "grant_type") != "authorization_code":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    fields = {k: _field(form, k) for k in ("code", "redirect_uri", "client_id", "code_verifier")}
    if not all(fields.values()):
        return JSONResponse({"error": "invalid_request"}, status_code=400)
    access_token = store.redeem(
        fields["code"] or "",
        client_id=fields["client_id"] or "",
        redirect_uri=fields["redirect_uri"] or "",
        code_verifier=fields["code_verifier"] or "",
    )
    if access_token is None:
        return JSONResponse({"error": "invalid_grant"}, status_code=400, headers=_NO_STORE)
    body = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_TTL_SECONDS,
        "scope": "openid profile email",
    }
    return JSONResponse(body, headers=_NO_STORE)


def _page(error: str | None, params: QueryParams | FormData | None) -> str:
    hidden = None if params is None else {key: _field(params, key) or "" for key in _FORWARDED}
    return dev_idp_page.render(error, hidden)


def _html(page: str, status_code: int = 200) -> HTMLResponse:
    headers = {"Content-Security-Policy": dev_idp_page.PAGE_CSP, **_NO_STORE}
    return HTMLResponse(page, status_code=status_code, headers=headers)
