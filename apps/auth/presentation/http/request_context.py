"""What the API reads from a request, read once.

Every credential and fact about the client a use case needs (client address and agent, the
tokens from cookies and headers, the origin) is parsed on first use into one `RequestFacts`,
kept in the request's state, and every route, dependency and check reads that value.
"""

from __future__ import annotations

from typing import NamedTuple

from fastapi import Request

from apps.auth.domain.errors import CrossSiteRequest
from apps.auth.domain.session import MAX_USER_AGENT_LENGTH, ClientInfo
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.cookie_header import cookie_values, newest_token
from apps.auth.presentation.http.cookies import ACCESS_COOKIE, LOGIN_COOKIE, REFRESH_COOKIE

_SAME_SITE = {"same-origin", "same-site", "none"}
_COOKIES = (ACCESS_COOKIE, REFRESH_COOKIE, LOGIN_COOKIE)
_STATE_KEY = "request_facts"
_READ = frozenset(
    {b"authorization", b"x-refresh-token", b"user-agent", b"x-forwarded-for", b"origin"}
    | {b"sec-fetch-site"}
)
_NO_COOKIES: dict[str, list[str]] = {name: [] for name in _COOKIES}


class RequestFacts(NamedTuple):
    """Immutable; a named tuple rather than a frozen dataclass, as it is built on every
    request, `/verify` included, and a frozen dataclass costs several times as much to build."""

    client: ClientInfo
    access_token: str | None
    refresh_token: str | None
    # The browser binding of a login; of several, the one the browser sent first.
    login_binding: str | None
    origin: str | None
    fetch_site: str


def config_of(request: Request) -> HttpConfig:
    return api_of(request).config


def request_facts(request: Request) -> RequestFacts:
    """The request's facts, parsed on the first call and shared by every later one."""
    # The request's state as ASGI defines it (`scope["state"]`), which `request.state` wraps.
    state = request.scope.setdefault("state", {})
    facts: RequestFacts | None = state.get(_STATE_KEY)
    if facts is None:
        facts = state[_STATE_KEY] = parse_request(request)
    return facts


def parse_request(request: Request) -> RequestFacts:
    # One pass over the raw headers (ASGI gives their names in lower case). Cookies come from
    # the headers in the order the browser sent them, not from `request.cookies`, which keeps
    # only the last of two cookies with one name (cookie_header.py says why that matters).
    found: dict[bytes, str] = {}
    cookie_headers: list[str] = []
    for name, value in request.scope["headers"]:
        if name == b"cookie":
            cookie_headers.append(value.decode("latin-1"))
        elif name in _READ and name not in found:
            found[name] = value.decode("latin-1")
    cookies = cookie_values(cookie_headers, _COOKIES) if cookie_headers else _NO_COOKIES
    agent = found.get(b"user-agent")
    peer = request.client.host if request.client else None
    hops = config_of(request).trusted_proxy_hops
    return RequestFacts(
        client=ClientInfo(
            ip=client_ip(peer, found.get(b"x-forwarded-for", ""), hops),
            user_agent=agent[:MAX_USER_AGENT_LENGTH] if agent else None,
        ),
        access_token=bearer(found.get(b"authorization")) or newest_token(cookies[ACCESS_COOKIE]),
        refresh_token=newest_token(cookies[REFRESH_COOKIE])
        or bearer(found.get(b"x-refresh-token")),
        login_binding=cookies[LOGIN_COOKIE][0] if cookies[LOGIN_COOKIE] else None,
        origin=found.get(b"origin"),
        fetch_site=found.get(b"sec-fetch-site", "none").lower(),
    )


def client_ip(peer: str | None, forwarded: str, trusted_hops: int) -> str | None:
    """The address `trusted_hops` proxies back: entries further left are client-controlled."""
    if trusted_hops <= 0:
        return peer
    hops = [part.strip() for part in forwarded.split(",") if part.strip()]
    chain = [peer, *reversed(hops)]
    chosen = chain[min(trusted_hops, len(chain) - 1)]
    return chosen[:64] if chosen else None


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def refuse_cross_site(request: Request) -> None:
    """State-changing endpoints answer same-site pages, allow-listed origins and non-browsers."""
    facts = request_facts(request)
    origin = facts.origin
    if origin is not None and config_of(request).origins.allows(origin):
        return
    if facts.fetch_site not in _SAME_SITE:
        raise CrossSiteRequest()
    if origin is not None and origin != _own_origin(request):
        raise CrossSiteRequest()


def _own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
