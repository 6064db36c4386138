from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import Response

from apps.auth.domain.token import IssuedToken, TokenClaims, TokenPair, TokenType
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.cookies import CookieWriter
from apps.auth.presentation.http.paths import AUTH_PATH
from apps.auth.v1_compat.cookies import V1_TOKEN_COOKIES

_CONFIGS = [
    {"cookie_domain": None, "cookie_secure": True},
    {"cookie_domain": ".eco2.kr", "cookie_secure": True},
    {"cookie_domain": None, "cookie_secure": False},
]


def _config(**cookie: object) -> HttpConfig:
    return HttpConfig(
        service="auth-api",
        version="1",
        git_sha="x",
        release="stable",
        origins=None,  # type: ignore[arg-type]
        access_max_age=900,
        refresh_max_age=1_209_600,
        trusted_proxy_hops=0,
        rate_window_seconds=60,
        rate_authorize=0,
        rate_callback=0,
        rate_refresh_per_ip=0,
        providers=("dev",),
        **cookie,  # type: ignore[arg-type]
    )


def _set_cookie_headers(response: Response) -> list[str]:
    return [v.decode() for k, v in response.raw_headers if k == b"set-cookie"]


@pytest.mark.parametrize("cookie", _CONFIGS)
@pytest.mark.parametrize(
    "value", ["eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_", "b1nd1ng_-", "a:b|c~d"]
)
def test_written_header_equals_starlettes_own_for_every_plain_value(
    cookie: dict[str, object], value: str
) -> None:
    written, reference = Response(), Response()
    CookieWriter(config=_config(**cookie)).set_login_binding(written, value, 600)
    reference.set_cookie(
        "s_login",
        value,
        max_age=600,
        path=AUTH_PATH,
        domain=cookie["cookie_domain"],  # type: ignore[arg-type]
        secure=bool(cookie["cookie_secure"]),
        httponly=True,
        samesite="lax",
    )
    assert _set_cookie_headers(written) == _set_cookie_headers(reference)


@pytest.mark.parametrize(
    "hostile",
    [
        "x; Domain=evil.example",
        "x; Path=/; Max-Age=999999999",
        'x"; HttpOnly=false',
        "x\r\nSet-Cookie: s_access=forged",
        "x,s_access=forged",
        "",
    ],
)
def test_values_that_could_inject_attributes_are_quoted_not_spliced(hostile: str) -> None:
    response = Response()
    CookieWriter(config=_config(**_CONFIGS[0])).set_login_binding(response, hostile, 600)
    [header] = _set_cookie_headers(response)
    name_value, _, attributes = header.partition("; ")
    assert name_value.startswith("s_login=")
    assert "evil" not in attributes and "forged" not in attributes
    assert "\r" not in header and "\n" not in header
    assert attributes.count("Path=") == 1 and attributes.count("Max-Age=") == 1
    assert "Max-Age=600" in attributes


def _pair() -> TokenPair:
    now = datetime.now(UTC)

    def token(value: str, kind: TokenType) -> IssuedToken:
        claims = TokenClaims(
            sub=uuid.uuid4(),
            jti=uuid.uuid4().hex,
            type=kind,
            provider="dev",
            issued_at=now,
            expires_at=now + timedelta(minutes=15),
            sid="s1",
        )
        return IssuedToken(value=value, claims=claims)

    return TokenPair(
        access=token("access.token.value", TokenType.ACCESS),
        refresh=token("refresh.token.value", TokenType.REFRESH),
    )


def _by_name_and_path(response: Response) -> dict[tuple[str, str], str]:
    found = {}
    for header in _set_cookie_headers(response):
        name = header.split("=", 1)[0]
        path = header.split("Path=", 1)[1].split(";", 1)[0]
        found[(name, path)] = header
    return found


@pytest.mark.parametrize("write", ["set_tokens", "clear_tokens"])
def test_cut_over_profile_expires_v1s_refresh_cookie_on_its_path_and_domain(write: str) -> None:
    response = Response()
    config = _config(cookie_domain=".eco2.kr", cookie_secure=True)
    writer = CookieWriter(config=replace(config, also_expired_cookies=V1_TOKEN_COOKIES))
    if write == "set_tokens":
        writer.set_tokens(response, _pair())
    else:
        writer.clear_tokens(response)

    cookies = _by_name_and_path(response)

    v1_refresh = cookies[("s_refresh", "/")]
    assert "Max-Age=0" in v1_refresh and "Domain=.eco2.kr" in v1_refresh
    # v1's access cookie is v2's own (same name, domain and path): one header, v2's.
    assert [key for key in cookies if key[0] == "s_access"] == [("s_access", "/")]
    assert ("Max-Age=0" in cookies[("s_access", "/")]) == (write == "clear_tokens")
    assert ("Max-Age=0" in cookies[("s_refresh", AUTH_PATH)]) == (write == "clear_tokens")


def test_new_refresh_token_is_the_last_s_refresh_written_when_v1s_is_expired() -> None:
    # Clients that keep one value per cookie name (wrk, simple HTTP libraries) keep the last.
    response = Response()
    config = _config(cookie_domain=".eco2.kr", cookie_secure=True)
    writer = CookieWriter(config=replace(config, also_expired_cookies=V1_TOKEN_COOKIES))

    writer.set_tokens(response, _pair())

    refresh = [h for h in _set_cookie_headers(response) if h.startswith("s_refresh=")]
    assert len(refresh) == 2
    assert "Max-Age=0" in refresh[0] and "Max-Age=0" not in refresh[-1]


def test_outside_the_profile_v1s_cookies_are_left_alone() -> None:
    response = Response()
    CookieWriter(config=_config(**_CONFIGS[1])).set_tokens(response, _pair())

    assert set(_by_name_and_path(response)) == {("s_access", "/"), ("s_refresh", AUTH_PATH)}


@pytest.mark.parametrize("release", ["stable", "canary"])
def test_only_a_canary_marks_the_logins_it_starts(release: str) -> None:
    started, finished = Response(), Response()
    writer = CookieWriter(config=replace(_config(**_CONFIGS[0]), release=release))
    writer.set_login_binding(started, "b1nd1ng", 600)
    writer.clear_login_binding(finished)

    marked = [h for h in _set_cookie_headers(started) if h.startswith("s_login_canary=1;")]
    assert len(marked) == (release == "canary")
    [cleared] = [h for h in _set_cookie_headers(finished) if h.startswith("s_login_canary=")]
    assert "Max-Age=0" in cleared and f"Path={AUTH_PATH}" in cleared
