"""A login the canary started finishes on the canary: the provider's redirect back carries no
`X-Canary`, only the cookie the canary's authorize set, and the rendered VirtualService keeps
that callback on the canary, never retried."""

from __future__ import annotations

import functools

import pytest
from fastapi import Response

from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.cookies import AUTH_PATH, CANARY_LOGIN_COOKIE, CookieWriter
from apps.auth.tests.support import API
from tests.delivery import platform
from tests.delivery.istio import INGRESS, Request, matched_rule, route
from tests.delivery.manifests import API_OVERLAYS, one, render

HOSTS = {f"auth/{env}": host for env, host in platform.PUBLIC_HOSTS.items()}
STABLE_ONLY = {"stable": 100}
CALLBACK = f"{API}/kakao/callback?code=c&state=s"
BINDING = "s_login=Zm9vYmFy"


@functools.cache
def _virtual_service(overlay: str) -> dict:
    return dict(one(render(overlay), "VirtualService", "auth-api"))


def _as_browser_sends(set_cookie: str) -> str:
    """`name=value` of a Set-Cookie header, as the browser sends it back."""
    return set_cookie.split(";", 1)[0]


def _canary_marker() -> str:
    """The cookie a canary's authorize sets, taken from the app itself."""
    config = HttpConfig(
        service="auth-api",
        version="2",
        git_sha="x",
        release="canary",
        origins=None,  # type: ignore[arg-type]
        cookie_domain=".dev.growbin.app",
        cookie_secure=True,
        access_max_age=900,
        refresh_max_age=1_209_600,
        trusted_proxy_hops=2,
        rate_window_seconds=60,
        rate_authorize=0,
        rate_callback=0,
        rate_refresh_per_ip=0,
        providers=("kakao",),
    )
    response = Response()
    CookieWriter(config=config).set_login_binding(response, "Zm9vYmFy", 600)
    [marker] = [
        value.decode()
        for key, value in response.raw_headers
        if key == b"set-cookie" and value.startswith(CANARY_LOGIN_COOKIE.encode())
    ]
    assert f"Path={AUTH_PATH}" in marker
    return _as_browser_sends(marker)


def _callback(overlay: str, cookie: str | None, path: str = CALLBACK) -> Request:
    headers = {"Cookie": cookie} if cookie is not None else {}
    return Request(host=HOSTS[overlay], path=path, headers=headers, gateway=INGRESS)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize(
    "cookie",
    [
        "{marker}",
        "{binding}; {marker}",
        "{marker}; {binding}",
        "s_access=a.b.c; {binding}; {marker}; _ga=GA1.2",
        "{binding},{marker}",
    ],
)
def test_callback_of_a_login_the_canary_started_stays_on_the_canary(overlay, cookie):
    request = _callback(overlay, cookie.format(marker=_canary_marker(), binding=BINDING))

    assert route(_virtual_service(overlay), request) == {"canary": 100}
    rule = matched_rule(_virtual_service(overlay), request)
    assert rule is not None and rule["retries"] == {"attempts": 0}


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize(
    "cookie",
    [
        None,
        BINDING,
        "s_login_canary=0",
        "s_login_canary=10",
        "xs_login_canary=1",
        "s_login_canary_x=1",
        "other=s_login_canary=1",
        f"{BINDING}; s_login_canary=",
    ],
)
def test_callback_of_any_other_login_follows_the_weights(overlay, cookie):
    """Stable's logins (v1's, or v2's once promoted) carry no marker; lookalikes are not it."""
    assert route(_virtual_service(overlay), _callback(overlay, cookie)) == STABLE_ONLY


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize(
    "path", [f"{API}/kakao/authorize", f"{API}/refresh", f"{API}/me", f"{API}/verify"]
)
def test_the_marker_pins_only_the_callback(overlay, path):
    request = _callback(overlay, f"{BINDING}; {_canary_marker()}", path)

    assert route(_virtual_service(overlay), request) == STABLE_ONLY
