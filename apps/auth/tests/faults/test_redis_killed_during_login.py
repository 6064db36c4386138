"""Redis killed during login, the cell `tests/integration/test_redis_outage.py` leaves open
(it covers refresh, logout and verify).

A failed callback clears the browser's login binding, so the browser's retry of the same
callback is refused (INVALID_STATE) and the user starts a new login, which works at once.

The throwaway Redis writes its append-only file on every command, so what it held before the
kill is there after the restart, as with a replica promoted in production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.presentation.http.cookies import LOGIN_COOKIE
from apps.auth.tests.conftest import FRONTEND
from apps.auth.tests.integration.redis_server import ThrowawayRedis
from apps.auth.tests.support import (
    API,
    audit_events,
    bearer,
    dev_login,
    path_of,
    start_login,
    token_payload,
)

FAILED = f"{FRONTEND}/#/login?error=STORAGE_UNAVAILABLE"


async def _sessions(url: str) -> list[bytes]:
    client = Redis.from_url(url)
    try:
        return [key async for key in client.scan_iter("auth:session:*", count=1000)]
    finally:
        await client.aclose()


async def test_authorize_answers_503_then_recovers_when_redis_is_down(
    app_factory: Callable[..., Any], throwaway_redis: ThrowawayRedis
) -> None:
    async with app_factory(redis_url=throwaway_redis.url) as t:
        throwaway_redis.kill()

        refused = await start_login(t.client)

        assert refused.status_code == 503
        assert refused.json()["code"] == "STORAGE_UNAVAILABLE"
        assert LOGIN_COOKIE not in refused.cookies
        throwaway_redis.start()
        assert (await dev_login(t.client)).access


async def test_callback_fails_closed_then_a_new_login_opens_one_session_when_redis_killed_mid_login(
    app_factory: Callable[..., Any], throwaway_redis: ThrowawayRedis
) -> None:
    async with app_factory(redis_url=throwaway_redis.url) as t:
        started = await start_login(t.client, login_hint="redis-mid-login")
        at_idp = await t.client.get(path_of(started.headers["location"]))
        callback_path = path_of(at_idp.headers["location"])
        throwaway_redis.kill()

        failed = await t.client.get(callback_path)

        assert failed.status_code == 302 and failed.headers["location"] == FAILED
        assert not {"s_access", "s_refresh"} & set(failed.cookies)
        ready = await t.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "unavailable"

        throwaway_redis.start()
        retried = await t.client.get(callback_path)
        assert retried.headers["location"] == f"{FRONTEND}/#/login?error=INVALID_STATE"
        assert await _sessions(throwaway_redis.url) == []
        logged = await dev_login(t.client, name="redis-mid-login")
        assert len(await _sessions(throwaway_redis.url)) == 1
        verify = await t.client.get(f"{API}/verify", headers=bearer(logged.access))
        assert verify.status_code == 200


async def test_no_cookie_and_no_session_then_fresh_login_works_when_redis_dies_at_session_open(
    app_factory: Callable[..., Any],
    throwaway_redis: ThrowawayRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = RedisSessionStore.open
    killed: list[bool] = []

    async def die_then_open(self: RedisSessionStore, *args: Any) -> None:
        if not killed:
            killed.append(True)
            throwaway_redis.kill()
        await original(self, *args)

    monkeypatch.setattr(RedisSessionStore, "open", die_then_open)
    async with app_factory(redis_url=throwaway_redis.url) as t:
        started = await start_login(t.client, login_hint="redis-at-open")
        at_idp = await t.client.get(path_of(started.headers["location"]))

        failed = await t.client.get(path_of(at_idp.headers["location"]))

        assert killed == [True]
        assert failed.status_code == 302 and failed.headers["location"] == FAILED
        assert not {"s_access", "s_refresh"} & set(failed.cookies)
        throwaway_redis.start()
        assert await _sessions(throwaway_redis.url) == []
        logged = await dev_login(t.client, name="redis-at-open")
        me = await t.client.get(f"{API}/me", headers=bearer(logged.access))
        user_id = token_payload(logged.access)["sub"]
        assert me.status_code == 200 and me.json()["id"] == user_id
        assert len(await _sessions(throwaway_redis.url)) == 1
        assert await audit_events(t, user_id) == ["login_success"]
