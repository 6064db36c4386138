"""Other devices of one user, signed in over plain HTTP against the live service."""

from __future__ import annotations

import uuid

import httpx

from apps.auth.tests.support import API

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
KAKAOTALK = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918N Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36 KAKAOTALK 10.6.5"
)


def sign_in_over_http(base: str, name: str, user_agent: str | bytes) -> httpx.Client:
    """A device that went through the dev provider's login; its client holds the cookies."""
    client = httpx.Client(base_url=base, headers={"User-Agent": user_agent}, timeout=10)
    device = f"http-{uuid.uuid4().hex[:8]}"
    start = client.get(
        f"{API}/dev/authorize",
        params={"redirect": "true", "login_hint": name, "device_id": device},
    )
    assert start.status_code == 302, start.text
    at_idp = client.get(start.headers["location"])
    assert at_idp.status_code == 302, at_idp.text
    callback = client.get(at_idp.headers["location"])
    assert callback.status_code == 302 and "#/home" in callback.headers["location"]
    return client


def reuse_refresh_token(base: str, device: httpx.Client) -> None:
    """Rotates the device's refresh token, then presents the spent one again (with no grace
    window, the service ends that session as compromised)."""
    spent = device.cookies.get("s_refresh", path=API) or device.cookies["s_refresh"]
    assert device.post(f"{API}/refresh").status_code == 201
    replayed = httpx.post(
        f"{base}{API}/refresh",
        headers={"User-Agent": str(device.headers["User-Agent"])},
        cookies={"s_refresh": spent},
        timeout=10,
    )
    assert replayed.status_code == 401 and replayed.json()["code"] == "TOKEN_REVOKED"
