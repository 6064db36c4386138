from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.auth.tests.integration.redis_server import ThrowawayRedis
from apps.auth.tests.support import API, bearer, dev_login, refresh_header


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    with contextlib.suppress(AssertionError, ProcessLookupError):
        server.resume()
    server.kill()


async def test_fail_closed_with_503_then_recovers_without_half_rotation_when_redis_killed(
    app_factory, throwaway_redis
):
    async with app_factory(redis_url=throwaway_redis.url, refresh_grace_seconds=0) as t:
        logged = await dev_login(t.client)
        throwaway_redis.kill()

        refresh = await t.post_once(f"{API}/refresh", headers=refresh_header(logged.refresh))
        assert refresh.status_code == 503
        assert refresh.json()["code"] == "STORAGE_UNAVAILABLE"
        logout = await t.post_once(f"{API}/logout", headers=bearer(logged.access))
        assert logout.status_code == 503
        assert logout.json()["code"] == "STORAGE_UNAVAILABLE"
        verify = await t.client.get(f"{API}/verify", headers=bearer(logged.access))
        assert verify.status_code == 503
        ready = await t.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "unavailable"
        assert (await t.client.get("/health")).status_code == 200

        throwaway_redis.start()
        assert (await t.client.get("/ready")).status_code == 200
        assert (
            await t.client.get(f"{API}/verify", headers=bearer(logged.access))
        ).status_code == 200
        first = await t.post_once(f"{API}/refresh", headers=refresh_header(logged.refresh))
        assert first.status_code == 201
        second = await t.post_once(f"{API}/refresh", headers=refresh_header(logged.refresh))
        assert second.status_code == 401
        # The replay ended the family, so its newest access token is revoked too and a logout
        # with it is refused like any other use.
        logout = await t.post_once(f"{API}/logout", headers=bearer(first.cookies["s_access"]))
        assert logout.status_code == 401 and logout.json()["code"] == "TOKEN_REVOKED"
        after = await t.client.get(f"{API}/verify", headers=bearer(first.cookies["s_access"]))
        assert after.status_code == 403


async def test_logout_answers_503_not_success_when_redis_stalls(app_factory, throwaway_redis):
    async with app_factory(redis_url=throwaway_redis.url) as t:
        logged = await dev_login(t.client)
        throwaway_redis.pause()
        logout = await t.post_once(f"{API}/logout", headers=bearer(logged.access))
        assert logout.status_code == 503
        throwaway_redis.resume()
        retry = await t.post_once(f"{API}/logout", headers=bearer(logged.access))
        assert retry.status_code == 200
        verify = await t.client.get(f"{API}/verify", headers=bearer(logged.access))
        assert verify.status_code == 403
