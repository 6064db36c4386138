from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from apps.auth.infrastructure.memory.memory_rate_limiter import MemoryRateLimiter
from apps.auth.infrastructure.memory.memory_revocation_store import (
    MemoryRevocationChecker,
    MemoryRevocationStore,
)
from apps.auth.infrastructure.memory.memory_session_store import MemorySessionStore
from apps.auth.infrastructure.memory.memory_state_store import MemoryStateStore
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState
from apps.auth.infrastructure.persistence_redis.redis_rate_limiter import RedisRateLimiter
from apps.auth.infrastructure.persistence_redis.redis_revocation_checker import (
    RedisRevocationChecker,
)
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.infrastructure.persistence_redis.redis_state_store import RedisStateStore
from apps.auth.tests.support import REDIS_URL
from apps.auth.tests.unit.fakes import FrozenClock


@dataclass
class TokenBackend:
    """The token-side ports of one backend plus read access to what it wrote."""

    states: Any
    sessions: Any
    revocations: Any
    checker: Any
    limiter: Any
    redis: Redis | None
    memory: MemoryTokenState | None
    stream: str
    clock: FrozenClock | None = None

    async def let_pass(self, seconds: float) -> None:
        """Time for a TTL to run out: moved on the memory backend's clock, waited for in Redis
        (the TTL expires inside the server)."""
        if self.clock is not None:
            self.clock.advance(seconds)
        else:
            await asyncio.sleep(seconds)

    async def outbox(self) -> list[bytes]:
        if self.memory is not None:
            return list(self.memory.outbox)
        assert self.redis is not None
        return [fields[b"event"] for _, fields in await self.redis.xrange(self.stream)]

    async def blacklisted(self, jti: str) -> bool:
        if self.memory is not None:
            return jti in self.memory.blacklist
        assert self.redis is not None
        return bool(await self.redis.exists(f"blacklist:{jti}"))


@asynccontextmanager
async def token_backend(kind: str) -> AsyncIterator[TokenBackend]:
    stream = f"test:contract:{uuid.uuid4().hex}"
    if kind == "memory":
        clock = FrozenClock()
        state = MemoryTokenState()
        yield TokenBackend(
            states=MemoryStateStore(clock=clock),
            sessions=MemorySessionStore(state=state, clock=clock),
            revocations=MemoryRevocationStore(state=state),
            checker=MemoryRevocationChecker(state=state),
            limiter=MemoryRateLimiter(clock=clock),
            redis=None,
            memory=state,
            stream=stream,
            clock=clock,
        )
        return
    redis = Redis.from_url(REDIS_URL)
    try:
        yield TokenBackend(
            states=RedisStateStore(redis=redis),
            sessions=RedisSessionStore(redis=redis, stream=stream, maxlen=10_000),
            revocations=RedisRevocationStore(redis=redis, stream=stream, maxlen=10_000),
            checker=RedisRevocationChecker(redis=redis),
            limiter=RedisRateLimiter(redis=redis),
            redis=redis,
            memory=None,
            stream=stream,
        )
    finally:
        await redis.delete(stream)
        await redis.aclose()
