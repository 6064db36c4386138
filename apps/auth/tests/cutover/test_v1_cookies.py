"""The token cookies v1 leaves in a browser, in a cookie jar that behaves like a browser's:
cookies of one name on different paths are all sent, the longest path first (RFC 6265 §5.4;
httpx's jar, like Chromium, orders them so).

The grace window is off here: a spent refresh token presented again, by anyone, ends its
session, so a single request on which v2 acted on the spent cookie would sign the user out.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest_asyncio

from apps.auth.tests.cutover import v1_platform as v1
from apps.auth.tests.cutover.test_shared_sessions import PROFILE, v1_user
from apps.auth.tests.security.attack import live_sessions, set_cookies
from apps.auth.tests.support import API, BASE_URL, TestApp, token_payload

HOST = "testserver.local"  # http.cookiejar names a dotless host so
BROWSER = ("198.51.100.9", 40000)


@pytest_asyncio.fixture
async def api(app_factory: Callable[..., Any]) -> AsyncIterator[TestApp]:
    async with app_factory(**PROFILE, refresh_grace_seconds=0) as test_app:
        yield test_app


@asynccontextmanager
async def browser(api: TestApp, sent: list[str]) -> AsyncIterator[httpx.AsyncClient]:
    """One browser profile: its own jar; every Cookie header it sends is recorded in `sent`."""

    async def record(request: httpx.Request) -> None:
        sent.append(request.headers.get("cookie", ""))

    transport = httpx.ASGITransport(app=api.app, client=BROWSER)
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, event_hooks={"request": [record]}
    ) as client:
        yield client


async def v1_refresh_token(redis: Any, user: uuid.UUID, **extra: Any) -> v1.V1Token:
    """A refresh token v1 issued to `user`, live in v1's records."""
    token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS, **extra)
    await v1.register_refresh(redis, user, token)
    return token


async def v1_session(api: TestApp, redis: Any) -> tuple[uuid.UUID, v1.V1Token]:
    """A user signed in on v1."""
    user = await v1_user(api)
    return user, await v1_refresh_token(redis, user)


def values_sent(header: str, name: str) -> list[str]:
    return [c.split("=", 1)[1] for c in header.split("; ") if c.startswith(f"{name}=")]


def v1_cookies(jar: httpx.Cookies, refresh: str, access: str | None = None) -> None:
    """What v1's callback or refresh leaves in the jar: both cookies on path `/`."""
    jar.set("s_refresh", refresh, domain=HOST, path="/")
    if access is not None:
        jar.set("s_access", access, domain=HOST, path="/")


async def test_adopted_v1_session_refreshes_three_times_with_v1s_spent_cookie_still_sent(
    api, redis
):
    user, token = await v1_session(api, redis)
    sent: list[str] = []
    async with browser(api, sent) as client:
        v1_cookies(client.cookies, token.value, v1.mint(user).value)
        adopted = await client.post(f"{API}/refresh")
        assert adopted.status_code == 201, adopted.text
        expired = [h for h in adopted.headers.get_list("set-cookie") if "Path=/;" in h]
        assert [h.split("=", 1)[0] for h in expired if "Max-Age=0" in h] == ["s_refresh"]
        assert [c.path for c in client.cookies.jar if c.name == "s_refresh"] == [API]

        for _ in range(3):
            # The worst case: v1's spent cookie back beside v2's (a lost expiry, an old tab).
            v1_cookies(client.cookies, token.value)
            answer = await client.post(f"{API}/refresh")
            assert answer.status_code == 201, answer.text
            live, spent = values_sent(sent[-1], "s_refresh")
            assert spent == token.value and live != token.value, "longest path first"

        me = await client.get(f"{API}/me")

    assert me.status_code == 200 and me.json()["id"] == str(user)
    sid = token_payload(client.cookies.get("s_refresh", path=API))["sid"]
    assert await live_sessions(redis, str(user)) == [sid]
    # The cookie the jar kept sending was spent: had v2 acted on it once, the session had ended.
    alone = await api.post_once(f"{API}/refresh", headers={"Cookie": f"s_refresh={token.value}"})
    assert alone.status_code == 401
    assert await live_sessions(redis, str(user)) == []


async def test_session_v1_rotated_after_a_rollback_refreshes_on_v2(api, redis):
    """v1 rotates the token in v2's cookie and writes its own on `/`: v2's is the spent one."""
    user, token = await v1_session(api, redis)
    sent: list[str] = []
    async with browser(api, sent) as client:
        v1_cookies(client.cookies, token.value)
        assert (await client.post(f"{API}/refresh")).status_code == 201
        from_v2 = client.cookies.get("s_refresh", path=API)
        await v1.v1_rotates(redis, from_v2)
        rotated = await v1_refresh_token(redis, user, iat=int(time.time()) + 1)
        v1_cookies(client.cookies, rotated.value)

        answer = await client.post(f"{API}/refresh")

    assert answer.status_code == 201, answer.text
    assert values_sent(sent[-1], "s_refresh") == [from_v2, rotated.value]
    assert not await v1.v1_refresh_accepts(redis, rotated.value), "adopted, not reused"


async def test_logout_expires_v1s_cookies_too(api, redis):
    user, token = await v1_session(api, redis)
    access = v1.mint(user)
    sent: list[str] = []
    async with browser(api, sent) as client:
        v1_cookies(client.cookies, token.value, access.value)
        out = await client.post(f"{API}/logout")

        assert out.status_code == 200, out.text
        assert "Max-Age=0" in set_cookies(out)["s_refresh"]
        assert list(client.cookies.jar) == []
