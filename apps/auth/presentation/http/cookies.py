from __future__ import annotations

from fastapi import Response

from apps.auth.domain.token import TokenPair
from apps.auth.presentation.http.config import HttpConfig

ACCESS_COOKIE = "s_access"
REFRESH_COOKIE = "s_refresh"
LOGIN_COOKIE = "s_login"
AUTH_PATH = "/api/v1/auth"


class CookieWriter:
    """Token cookies: HttpOnly, SameSite=Lax, Secure outside plain-http local runs; the refresh
    and login-binding cookies travel only to the auth endpoints."""

    def __init__(self, config: HttpConfig) -> None:
        self._domain = config.cookie_domain
        self._secure = config.cookie_secure
        self._access_age = config.access_max_age
        self._refresh_age = config.refresh_max_age

    def set_tokens(self, response: Response, tokens: TokenPair) -> None:
        self._set(response, ACCESS_COOKIE, tokens.access.value, "/", self._access_age)
        self._set(response, REFRESH_COOKIE, tokens.refresh.value, AUTH_PATH, self._refresh_age)

    def clear_tokens(self, response: Response) -> None:
        self._clear(response, ACCESS_COOKIE, "/")
        self._clear(response, REFRESH_COOKIE, AUTH_PATH)

    def set_login_binding(self, response: Response, binding: str, max_age: int) -> None:
        self._set(response, LOGIN_COOKIE, binding, AUTH_PATH, max_age)

    def clear_login_binding(self, response: Response) -> None:
        self._clear(response, LOGIN_COOKIE, AUTH_PATH)

    def _clear(self, response: Response, name: str, path: str) -> None:
        response.delete_cookie(
            name, path=path, domain=self._domain, secure=self._secure, httponly=True, samesite="lax"
        )

    def _set(self, response: Response, name: str, value: str, path: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            domain=self._domain,
            secure=self._secure,
            httponly=True,
            samesite="lax",
        )
