"""The token-family rules run twice: the memory store calls the domain's decision table, the
Redis store runs it in Lua. Random sequences of open / rotate / revoke / logout-all, with an
explicit clock, must leave both in the same state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RotationRequest,
    SessionTokens,
)
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import Successor, TokenClaims, TokenType
from apps.auth.domain.token_family import Presented, RotationOutcome
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
from apps.auth.tests.support import REDIS_URL
from apps.auth.tests.unit.fakes import FrozenClock

SESSION_SECONDS, ACCESS_SECONDS, GRACE = 20, 60, 5
SLOTS = range(2)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("open"), st.sampled_from(SLOTS)),
        *[
            st.tuples(
                st.just("rotate"),
                st.sampled_from(SLOTS),
                st.sampled_from(["current", "previous", "first"]),
                st.sampled_from(["a", "b"]),
            )
        ]
        * 4,
        st.tuples(st.just("revoke"), st.sampled_from(SLOTS)),
        st.tuples(st.just("logout_all")),
        st.tuples(st.just("advance"), st.integers(1, 8)),
    ),
    max_size=14,
)


@dataclass
class Family:
    first: str
    current: str
    previous: str = ""


@dataclass
class Run:
    """One backend driven through a script; ids are derived from the step, so both runs agree."""

    sessions: object
    revocations: object
    checker: object
    prefix: str
    user: uuid.UUID
    now: datetime
    families: dict[int, Family] = field(default_factory=dict)
    issued: list[TokenClaims] = field(default_factory=list)

    def sid(self, slot: int) -> str:
        return f"{self.prefix}-s{slot}"

    def tokens(self, step: int) -> SessionTokens:
        return SessionTokens(
            access_jti=f"{self.prefix}-a{step}",
            access_expires_at=self.now + timedelta(seconds=ACCESS_SECONDS),
            refresh_jti=f"{self.prefix}-r{step}",
            refresh_expires_at=self.now + timedelta(seconds=SESSION_SECONDS),
        )

    def remember(self, slot: int, tokens: SessionTokens) -> None:
        self.issued.append(
            TokenClaims(
                sub=self.user,
                jti=tokens.access_jti,
                type=TokenType.ACCESS,
                provider="dev",
                sid=self.sid(slot),
                issued_at=self.now,
                expires_at=tokens.access_expires_at,
            )
        )


async def step(run: Run, index: int, operation: tuple[object, ...]) -> object:
    match operation:
        case ("open", int() as slot):
            tokens = run.tokens(index)
            session = Session(
                id=run.sid(slot),
                user_id=run.user,
                provider="dev",
                client=ClientInfo(ip="192.0.2.1", user_agent="parity"),
                created_at=run.now,
                last_used_at=run.now,
                expires_at=run.now + timedelta(seconds=SESSION_SECONDS),
            )
            await run.sessions.open(session, tokens)
            run.families[slot] = Family(first=tokens.refresh_jti, current=tokens.refresh_jti)
            run.remember(slot, tokens)
            return "opened"
        case ("rotate", int() as slot, str() as which, str() as client):
            return await rotate(run, index, slot, which, client)
        case ("revoke", int() as slot):
            request = RevocationRequest(session_ids=[run.sid(slot)], reason="session_revoked")
            await run.revocations.revoke(request, run.now)
        case ("logout_all",):
            sids = [run.sid(slot) for slot in run.families]
            request = RevocationRequest(
                session_ids=sids, not_before_user=run.user, reason="logout_all"
            )
            await run.revocations.revoke(request, run.now)
        case ("advance", int() as seconds):
            run.now += timedelta(seconds=seconds)
    return None


async def rotate(run: Run, index: int, slot: int, which: str, client: str) -> object:
    family = run.families.get(slot) or Family(first="never", current="never")
    presented = {"current": family.current, "previous": family.previous, "first": family.first}
    jti = presented[which] or "none"
    tokens = run.tokens(index)
    result = await run.sessions.rotate(
        RotationRequest(
            session_id=run.sid(slot),
            presented=Presented(refresh_jti=jti, client=client),
            presented_token=f"token-{jti}",
            tokens=tokens,
            successor=Successor(access=f"A{index}", refresh=f"R{index}"),
            now=run.now,
            grace_seconds=GRACE,
        )
    )
    if result.outcome is RotationOutcome.ROTATED:
        family.previous, family.current = jti, tokens.refresh_jti
        run.remember(slot, tokens)
    return (result.outcome, result.user_id is not None, result.successor)


async def play(run: Run, script: list[tuple[object, ...]]) -> list[object]:
    outcomes = [await step(run, i, op) for i, op in enumerate(script)]
    outcomes.append([await run.checker.is_revoked(claims) for claims in run.issued])
    return outcomes


OPEN = ("open", 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=operations)
@example(script=[OPEN, ("rotate", 0, "current", "a"), ("rotate", 0, "previous", "a")])
@example(script=[OPEN, ("rotate", 0, "current", "a"), ("rotate", 0, "previous", "b")])
@example(
    script=[OPEN, ("rotate", 0, "current", "a"), ("advance", 6), ("rotate", 0, "previous", "a")]
)
@example(
    script=[OPEN, ("advance", 8), ("advance", 8), ("advance", 4), ("rotate", 0, "current", "a")]
)
@example(script=[OPEN, ("open", 1), ("logout_all",), ("rotate", 1, "current", "a")])
@example(script=[OPEN, ("revoke", 0), ("rotate", 0, "current", "a")])
async def test_same_outcomes_when_memory_and_redis_run_the_same_family_script(
    script: list[tuple[object, ...]],
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    prefix, user = uuid.uuid4().hex, uuid.uuid4()
    state = MemoryTokenState()
    memory = Run(
        sessions=MemorySessionStore(state, FrozenClock(start)),
        revocations=MemoryRevocationStore(state),
        checker=MemoryRevocationChecker(state),
        prefix=prefix,
        user=user,
        now=start,
    )
    redis = Redis.from_url(REDIS_URL)
    stream = f"test:parity:{prefix}"
    try:
        real = Run(
            sessions=RedisSessionStore(redis, stream=stream, maxlen=10_000),
            revocations=RedisRevocationStore(redis, stream=stream, maxlen=10_000),
            checker=RedisRevocationChecker(redis),
            prefix=prefix,
            user=user,
            now=start,
        )
        expected = await play(memory, script)
        assert await play(real, script) == expected
        events = [fields[b"event"] for _, fields in await redis.xrange(stream)]
        assert events == state.outbox
    finally:
        await redis.delete(stream)
        await redis.aclose()
