from __future__ import annotations

import pytest
from fastapi import Response

from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.cookies import AUTH_PATH, CookieWriter

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
    CookieWriter(_config(**cookie)).set_login_binding(written, value, 600)
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
    CookieWriter(_config(**_CONFIGS[0])).set_login_binding(response, hostile, 600)
    [header] = _set_cookie_headers(response)
    name_value, _, attributes = header.partition("; ")
    assert name_value.startswith("s_login=")
    assert "evil" not in attributes and "forged" not in attributes
    assert "\r" not in header and "\n" not in header
    assert attributes.count("Path=") == 1 and attributes.count("Max-Age=") == 1
    assert "Max-Age=600" in attributes
