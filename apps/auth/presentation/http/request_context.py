from __future__ import annotations

from fastapi import Request

from apps.auth.domain.device import USER_AGENT_MAX
from apps.auth.domain.errors import CrossSiteRequest
from apps.auth.domain.session import ClientInfo
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.cookie_header import cookie_values, newest_token
from apps.auth.presentation.http.cookies import ACCESS_COOKIE, LOGIN_COOKIE, REFRESH_COOKIE

_SAME_SITE = {"same-origin", "same-site", "none"}


def config_of(request: Request) -> HttpConfig:
    return api_of(request).config


def client_ip(request: Request, trusted_hops: int) -> str | None:
    """The address `trusted_hops` proxies back: entries further left are client-controlled."""
    peer = request.client.host if request.client else None
    if trusted_hops <= 0:
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [part.strip() for part in forwarded.split(",") if part.strip()]
    chain = [peer, *reversed(hops)]
    chosen = chain[min(trusted_hops, len(chain) - 1)]
    return chosen[:64] if chosen else None


def client_info(request: Request) -> ClientInfo:
    config = config_of(request)
    agent = request.headers.get("user-agent")
    return ClientInfo(
        ip=client_ip(request, config.trusted_proxy_hops),
        user_agent=agent[:USER_AGENT_MAX] if agent else None,
    )


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# Every credential the API takes from a request is read here. Cookies come from the header in
# the order the browser sent them, not from `request.cookies`, which keeps only the last of two
# cookies with one name (cookie_header.py says why that matters and which one is taken).


def access_token(request: Request) -> str | None:
    return bearer(request.headers.get("authorization")) or newest_token(
        cookie_values(request.headers, ACCESS_COOKIE)
    )


def refresh_token(request: Request) -> str | None:
    return newest_token(cookie_values(request.headers, REFRESH_COOKIE)) or bearer(
        request.headers.get("x-refresh-token")
    )


def login_binding(request: Request) -> str | None:
    """The browser binding of a login; of several, the one the browser sent first."""
    values = cookie_values(request.headers, LOGIN_COOKIE)
    return values[0] if values else None


async def refuse_cross_site(request: Request) -> None:
    """State-changing endpoints answer same-site pages, allow-listed origins and non-browsers."""
    origin = request.headers.get("origin")
    config = config_of(request)
    if origin is not None and config.origins.allows(origin):
        return
    if request.headers.get("sec-fetch-site", "none").lower() not in _SAME_SITE:
        raise CrossSiteRequest()
    if origin is not None and origin != _own_origin(request):
        raise CrossSiteRequest()


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
