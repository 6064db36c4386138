"""One contract for every login-state store: in memory, v2's Redis keys, and v1's database and
format (the cut-over profile)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from apps.auth.application.oauth.ports import LoginState, StateStore
from apps.auth.infrastructure.memory.memory_state_store import MemoryStateStore
from apps.auth.infrastructure.persistence_redis.redis_state_store import RedisStateStore
from apps.auth.infrastructure.system import SystemClock
from apps.auth.tests.support import REDIS_URL
from apps.auth.tests.unit.fakes import FrozenClock
from apps.auth.v1_compat.redis_legacy_state_store import (
    RedisLegacyStateStore,
)

V1_STATE_DB = "redis://127.0.0.1:6379/3"


@dataclass
class StateBackend:
    store: StateStore
    clock: FrozenClock | None

    def now(self) -> datetime:
        return self.clock.now() if self.clock else datetime.now(UTC)

    async def let_pass(self, seconds: float) -> None:
        """A TTL running out: the memory store's clock moves, Redis expires the key itself."""
        if self.clock is not None:
            self.clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)


@pytest_asyncio.fixture(params=["memory", "redis", "redis-v1-format"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[StateBackend]:
    if request.param == "memory":
        clock = FrozenClock()
        yield StateBackend(store=MemoryStateStore(clock=clock), clock=clock)
        return
    url = V1_STATE_DB if request.param == "redis-v1-format" else REDIS_URL
    redis = Redis.from_url(url)
    store: StateStore = (
        RedisLegacyStateStore(redis=redis, clock=SystemClock())
        if request.param == "redis-v1-format"
        else RedisStateStore(redis=redis)
    )
    try:
        yield StateBackend(store=store, clock=None)
    finally:
        await redis.aclose()


def login(backend: StateBackend, **overrides: Any) -> LoginState:
    values: dict[str, Any] = {
        "state": secrets.token_urlsafe(32),
        "provider": "kakao",
        "browser_binding_hash": secrets.token_hex(32),
        "code_verifier": secrets.token_urlsafe(64),
        "frontend_origin": "https://app.eco2.test",
        "device_id": "phone-1",
        "expires_at": backend.now().replace(microsecond=0) + timedelta(seconds=600),
        "redirect_uri": "https://api.eco2.test/api/v1/auth/kakao/callback",
    }
    return LoginState(**(values | overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"code_verifier": None, "provider": "naver"},
        {"device_id": None, "redirect_uri": None},
        {"browser_binding_hash": None},
    ],
)
async def test_saved_state_comes_back_as_saved(backend, overrides):
    saved = login(backend, **overrides)
    await backend.store.save(saved, 600)

    assert await backend.store.consume(saved.state) == saved


async def test_state_is_taken_once_by_racing_consumers(backend):
    saved = login(backend)
    await backend.store.save(saved, 600)

    taken = await asyncio.gather(*(backend.store.consume(saved.state) for _ in range(8)))

    assert taken.count(saved) == 1
    assert taken.count(None) == 7


async def test_saving_a_state_again_keeps_the_first(backend):
    first = login(backend)
    await backend.store.save(first, 600)
    await backend.store.save(replace(first, provider="google", browser_binding_hash=None), 600)

    assert await backend.store.consume(first.state) == first


async def test_state_is_gone_once_its_ttl_ran_out(backend):
    saved = login(backend)
    await backend.store.save(saved, 1)

    await backend.let_pass(1.2)

    assert await backend.store.consume(saved.state) is None


@pytest.mark.parametrize("state", ["", "unknown-state", "x" * 257, "a\nb", "oauth:state:*"])
async def test_unknown_or_unusable_state_is_none(backend, state):
    assert await backend.store.consume(state) is None
