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
# Where v1 keeps its token cookies (eco2-team/backend@4c3eebb3,
# apps/auth/presentation/http/auth/cookie_params.py): both on path `/`, on the domain of
# AUTH_COOKIE_DOMAIN, the variable v2 reads for its own.
V1_PATH = "/"
_TOKEN_PATHS = {ACCESS_COOKIE: "/", REFRESH_COOKIE: AUTH_PATH}

# Characters a cookie value may carry unquoted (RFC 6265 cookie-octets as `http.cookies`
# accepts them); tokens and bindings are base64url and dots, so they always qualify.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~:]+")
_PLACEHOLDER = "VALUE"


class CookieWriter:
    """Token cookies: HttpOnly, SameSite=Lax, Secure outside plain-http local runs; the refresh
    and login-binding cookies travel only to the auth endpoints.

    In the cut-over profile every write or removal of tokens also expires v1's token cookies
    where they differ from v2's own (the refresh cookie, on `/`): left in place, a browser would
    keep sending v1's spent refresh token beside v2's.
    """

    def __init__(self, config: HttpConfig) -> None:
        self._domain = config.cookie_domain
        self._secure = config.cookie_secure
        self._access_age = config.access_max_age
        self._refresh_age = config.refresh_max_age
        self._legacy = config.legacy_cookies
        self._canary = config.release == "canary"

    def set_tokens(self, response: Response, tokens: TokenPair) -> None:
        # v1's expiry first: a client that keeps one value per cookie name keeps the new token.
        self._expire_v1_tokens(response)
        self._set(response, ACCESS_COOKIE, tokens.access.value, "/", self._access_age)
        self._set(response, REFRESH_COOKIE, tokens.refresh.value, AUTH_PATH, self._refresh_age)

    def clear_tokens(self, response: Response) -> None:
        self._clear(response, ACCESS_COOKIE, "/")
        self._clear(response, REFRESH_COOKIE, AUTH_PATH)
        self._expire_v1_tokens(response)

    def set_login_binding(self, response: Response, binding: str, max_age: int) -> None:
        self._set(response, LOGIN_COOKIE, binding, AUTH_PATH, max_age)
        if self._canary:
            self._set(response, CANARY_LOGIN_COOKIE, "1", AUTH_PATH, max_age)

    def clear_login_binding(self, response: Response) -> None:
        self._clear(response, LOGIN_COOKIE, AUTH_PATH)
        self._clear(response, CANARY_LOGIN_COOKIE, AUTH_PATH)

    def _expire_v1_tokens(self, response: Response) -> None:
        if not self._legacy:
            return
        for name, path in _TOKEN_PATHS.items():
            # Same name, domain and path is the same cookie: v2's write already replaced it.
            if path != V1_PATH:
                self._clear(response, name, V1_PATH)

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
