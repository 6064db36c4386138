"""Every token-family rule runs twice: the memory stores call the domain's decision tables, the
Redis stores run them in Lua. Random scripts of open / rotate (signature checked, unchecked, or
unchecked and forged) / revoke / logout-all / v1 sign-in,
adoption and v1 spending its own tokens, with an explicit clock, with and without the refresh
budget, with and without the cut-over, must give the same answers and leave the same state:
the same revoked tokens, the same outbox events, the same refusals and v1 records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from apps.auth.infrastructure.memory.memory_legacy_sessions import MemoryLegacySessions
from apps.auth.infrastructure.memory.memory_revocation_store import (
    MemoryRevocationChecker,
    MemoryRevocationStore,
)
from apps.auth.infrastructure.memory.memory_session_store import MemorySessionStore
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState
from apps.auth.infrastructure.persistence_redis.redis_revocation_checker import (
    RedisRevocationChecker,
)
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.infrastructure.persistence_redis.schema import BLACKLIST, V1_META, V1_TOKENS
from apps.auth.tests.integration.family_script import SESSION_SECONDS, Run, play
from apps.auth.tests.support import REDIS_URL
from apps.auth.v1_compat.redis_legacy_sessions import RedisLegacySessions

SLOTS = st.sampled_from(range(2))
CLIENTS = st.sampled_from(["a", "b"])
PROOFS = st.sampled_from(["signed", "unchecked", "forged"])
operations = st.lists(
    st.one_of(
        st.tuples(st.just("open"), SLOTS),
        *[
            st.tuples(
                st.just("rotate"),
                SLOTS,
                st.sampled_from(["current", "previous", "first"]),
                CLIENTS,
                PROOFS,
            )
        ]
        * 4,
        st.tuples(st.just("v1_login"), SLOTS),
        st.tuples(st.just("adopt"), SLOTS, CLIENTS),
        st.tuples(st.just("v1_spend"), SLOTS),
        st.tuples(st.just("revoke"), SLOTS),
        st.tuples(st.just("logout_all")),
        st.tuples(st.just("advance"), st.integers(1, 8)),
    ),
    max_size=16,
)
OPEN, ROTATE = ("open", 0), ("rotate", 0, "current", "a")
MODES = [(False, False), (False, True), (True, False), (True, True)]


@pytest.mark.parametrize(("legacy", "budget"), MODES, ids=lambda v: str(v))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=operations)
@example(script=[OPEN, ROTATE, ("rotate", 0, "previous", "a")])
@example(script=[OPEN, ROTATE, ("rotate", 0, "previous", "b")])
@example(script=[OPEN, ROTATE, ("advance", 6), ("rotate", 0, "previous", "a")])
@example(script=[OPEN, ("advance", 8), ("advance", 8), ("advance", 4), ROTATE])
@example(script=[OPEN, ("open", 1), ("logout_all",), ("rotate", 1, "current", "a")])
@example(script=[OPEN, ("revoke", 0), ROTATE])
@example(script=[OPEN, ("rotate", 0, "current", "a", "forged"), ROTATE])
@example(
    script=[
        OPEN,
        ("rotate", 0, "current", "a", "unchecked"),
        ("rotate", 0, "previous", "a", "unchecked"),
    ]
)
@example(script=[("v1_login", 0), ("adopt", 0, "a"), ("rotate", 0, "current", "b", "unchecked")])
@example(script=[OPEN, ROTATE, ROTATE, ROTATE, ROTATE, ("advance", 8), ROTATE])
@example(script=[OPEN, ("v1_spend", 0), ROTATE])
@example(script=[("v1_login", 0), ("adopt", 0, "a"), ("adopt", 0, "a"), ("adopt", 0, "b")])
@example(script=[("v1_login", 0), ("v1_spend", 0), ("adopt", 0, "a")])
@example(script=[("v1_login", 1), ("logout_all",), ("adopt", 1, "a")])
async def test_same_outcomes_and_state_when_memory_and_redis_play_the_same_family_script(
    legacy: bool, budget: bool, script: list[tuple[object, ...]]
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    prefix, user = uuid.uuid4().hex, uuid.uuid4()
    state = MemoryTokenState(legacy=legacy)

    async def memory_register(jti: str, expires_at: datetime) -> None:
        state.register_refresh(user, jti, expires_at)

    async def memory_forget(jti: str) -> None:
        state.v1_tokens.get(user, {}).pop(jti, None)

    redis = Redis.from_url(REDIS_URL)
    stream = f"test:parity:{prefix}"

    async def redis_register(jti: str, expires_at: datetime) -> None:
        ttl = SESSION_SECONDS
        await redis.sadd(V1_TOKENS.of(user), jti)
        await redis.expire(V1_TOKENS.of(user), ttl)
        await redis.set(V1_META.of(jti), "{}", ex=ttl)

    async def redis_forget(jti: str) -> None:
        await redis.srem(V1_TOKENS.of(user), jti)

    async def memory_age(now: datetime, seconds: int) -> None:
        """v1's set of the user's tokens is gone once its newest member's life is over."""
        tokens = state.v1_tokens.get(user, {})
        if tokens and max(tokens.values()) - now.timestamp() <= 0:
            del state.v1_tokens[user]

    async def redis_age(now: datetime, seconds: int) -> None:
        """v1's records (the user's set and each member's record) lose `seconds` of life, as
        they would in real time; one with nothing left is gone."""
        members = [m.decode() for m in await redis.smembers(V1_TOKENS.of(user))]
        for key in (V1_TOKENS.of(user), *(V1_META.of(jti) for jti in members)):
            left = await redis.pttl(key) - seconds * 1000
            if left > 0:
                await redis.pexpire(key, left)
            else:
                await redis.delete(key)

    memory = Run(
        sessions=MemorySessionStore(state=state, clock=_Never()),
        revocations=MemoryRevocationStore(state=state),
        checker=MemoryRevocationChecker(state=state),
        legacy=MemoryLegacySessions(state=state),
        v1_register=memory_register,
        v1_forget=memory_forget,
        v1_age=memory_age,
        prefix=prefix,
        user=user,
        now=start,
        budget=budget,
    )
    options = {"stream": stream, "maxlen": 10_000}
    try:
        real = Run(
            sessions=RedisSessionStore(redis=redis, legacy=legacy, **options),
            revocations=RedisRevocationStore(redis=redis, legacy=legacy, **options),
            checker=RedisRevocationChecker(redis=redis),
            legacy=RedisLegacySessions(redis=redis, **options),
            v1_register=redis_register,
            v1_forget=redis_forget,
            v1_age=redis_age,
            prefix=prefix,
            user=user,
            now=start,
            budget=budget,
        )
        if not legacy:
            script = [op for op in script if not str(op[0]).startswith(("v1_", "adopt"))]
        expected = await play(memory, script)
        assert await play(real, script) == expected
        # Sessions a not-before ends come from a Redis set, in no fixed order.
        events = [fields[b"event"] for _, fields in await redis.xrange(stream)]
        assert sorted(events) == sorted(state.outbox)
        refused = [await redis.exists(BLACKLIST.of(jti)) == 1 for jti in real.refresh_jtis]
        assert refused == [jti in state.blacklist for jti in memory.refresh_jtis]
        v1_known = {m.decode() for m in await redis.smembers(V1_TOKENS.of(user))}
        assert v1_known == set(state.v1_tokens.get(user, {}))
    finally:
        await redis.delete(stream)
        await redis.aclose()


class _Never:
    """The stores under test take time from each request, never from a clock."""

    def now(self) -> datetime:
        raise AssertionError("the family rules read the time from the request")
