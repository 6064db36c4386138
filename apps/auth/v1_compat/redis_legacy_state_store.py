from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from apps.auth.application.common.ports import Clock
from apps.auth.application.oauth.ports import LoginState
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.v1_compat import v1_login_state

MAX_STATE_LENGTH = 256


class RedisLegacyStateStore:
    """Login states in v1's database and format, so a login started on either track finishes
    on either (v1_login_state.py has the format and where it comes from).

    v1 consumes with GET then DELETE; this store takes the record with GETDEL in the same
    transaction as its remaining TTL, so of two callbacks racing for one state, here or on
    v1, at most one reads it from this side and a state consumed on v1 is gone for v2.
    """

    def __init__(self, *, redis: Redis, clock: Clock) -> None:
        self._redis = redis
        self._clock = clock

    @redis_call
    async def save(self, state: LoginState, ttl_seconds: int) -> None:
        await self._redis.set(
            v1_login_state.KEY_PREFIX + state.state,
            v1_login_state.encode(state),
            ex=ttl_seconds,
            nx=True,
        )

    @redis_call
    async def consume(self, state: str) -> LoginState | None:
        if not state or len(state) > MAX_STATE_LENGTH:
            return None
        key = v1_login_state.KEY_PREFIX + state
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.pttl(key)
            pipe.getdel(key)
            remaining_ms, raw = await pipe.execute()
        if raw is None:
            return None
        # A key without a TTL is not one either version writes: it counts as expired.
        live_until = self._clock.now() + timedelta(milliseconds=max(int(remaining_ms), 0))
        return v1_login_state.decode(state, raw, live_until)
