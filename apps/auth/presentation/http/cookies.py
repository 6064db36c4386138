from __future__ import annotations

import functools
import re

from fastapi import Response

from apps.auth.domain.token import TokenPair
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.paths import AUTH_PATH

ACCESS_COOKIE = "s_access"
REFRESH_COOKIE = "s_refresh"
LOGIN_COOKIE = "s_login"
# Set by a canary's authorize beside the login cookie: the mesh routes the provider's redirect
# back to the canary on it (workloads/domains/auth/base/virtual-service.yaml).
CANARY_LOGIN_COOKIE = "s_login_canary"
TOKEN_COOKIE_PATHS = {ACCESS_COOKIE: "/", REFRESH_COOKIE: AUTH_PATH}

# Characters a cookie value may carry unquoted (RFC 6265 cookie-octets as `http.cookies`
# accepts them); tokens and bindings are base64url and dots, so they always qualify.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~:]+")
_PLACEHOLDER = "VALUE"


class CookieWriter:
    """Token cookies: HttpOnly, SameSite=Lax, Secure outside plain-http local runs; the refresh
    and login-binding cookies travel only to the auth endpoints.

    Every write or removal of tokens also expires the configured other cookies (the cut-over
    profile's v1 token cookies, which a browser would otherwise keep sending beside v2's).
    """

    def __init__(self, *, config: HttpConfig) -> None:
        self._domain = config.cookie_domain
        self._secure = config.cookie_secure
        self._access_age = config.access_max_age
        self._refresh_age = config.refresh_max_age
        self._also_expired = config.also_expired_cookies
        self._canary = config.release == "canary"

    def set_tokens(self, response: Response, tokens: TokenPair) -> None:
        # The other cookies' expiry first: a client that keeps one value per cookie name keeps
        # the new token.
        self._expire_others(response)
        self._set(response, ACCESS_COOKIE, tokens.access.value, "/", self._access_age)
        self._set(response, REFRESH_COOKIE, tokens.refresh.value, AUTH_PATH, self._refresh_age)

    def clear_tokens(self, response: Response) -> None:
        self._clear(response, ACCESS_COOKIE, "/")
        self._clear(response, REFRESH_COOKIE, AUTH_PATH)
        self._expire_others(response)

    def set_login_binding(self, response: Response, binding: str, max_age: int) -> None:
        self._set(response, LOGIN_COOKIE, binding, AUTH_PATH, max_age)
        if self._canary:
            self._set(response, CANARY_LOGIN_COOKIE, "1", AUTH_PATH, max_age)

    def clear_login_binding(self, response: Response) -> None:
        self._clear(response, LOGIN_COOKIE, AUTH_PATH)
        self._clear(response, CANARY_LOGIN_COOKIE, AUTH_PATH)

    def _expire_others(self, response: Response) -> None:
        for name, path in self._also_expired:
            self._clear(response, name, path)

    def _clear(self, response: Response, name: str, path: str) -> None:
        response.delete_cookie(
            name, path=path, domain=self._domain, secure=self._secure, httponly=True, samesite="lax"
        )

    def _set(self, response: Response, name: str, value: str, path: str, max_age: int) -> None:
        if _PLAIN_VALUE.fullmatch(value):
            prefix, suffix = _header_around_value(name, path, max_age, self._domain, self._secure)
            response.headers.append("set-cookie", f"{prefix}{value}{suffix}")
            return
        _set_cookie(response, name, value, path, max_age, self._domain, self._secure)


def _set_cookie(
    response: Response,
    name: str,
    value: str,
    path: str,
    max_age: int,
    domain: str | None,
    secure: bool,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        domain=domain,
        secure=secure,
        httponly=True,
        samesite="lax",
    )


@functools.lru_cache(maxsize=64)
def _header_around_value(
    name: str, path: str, max_age: int, domain: str | None, secure: bool
) -> tuple[str, str]:
    """The `Set-Cookie` value Starlette writes for these attributes, split around the value.

    Building it once per cookie kind spares every response the `http.cookies` round trip;
    the attributes themselves still come from Starlette.
    """
    probe = Response()
    _set_cookie(probe, name, _PLACEHOLDER, path, max_age, domain, secure)
    header = probe.headers["set-cookie"]
    prefix, suffix = header.split(f"={_PLACEHOLDER}", 1)
    return f"{prefix}=", suffix
