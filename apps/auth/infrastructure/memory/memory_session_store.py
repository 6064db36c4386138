from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from apps.auth.application.common.ports import Clock
from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.common.token_ports import (
    RotationRequest,
    RotationResult,
    SessionTokens,
)
from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation
from apps.auth.domain.token_family import ENDS_SESSION, RotationOutcome, decide_rotation
from apps.auth.infrastructure.memory.memory_rate_limiter import MemoryRateLimiter
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState, SessionRecord


class MemorySessionStore:
    """Sessions in process memory; rotation follows the domain's decision table."""

    def __init__(
        self, state: MemoryTokenState, clock: Clock, limiter: RateLimiter | None = None
    ) -> None:
        self._state = state
        self._clock = clock
        self._limiter = limiter or MemoryRateLimiter(clock)

    async def open(self, session: Session, tokens: SessionTokens) -> None:
        self._state.sessions[session.id] = SessionRecord(session=session, tokens=tokens)

    async def rotate(self, request: RotationRequest) -> RotationResult:
        now = request.now
        # Like the Redis hash, the record outlives its expiry by a moment; the rules decide.
        record = self._state.sessions.get(request.session_id)
        state = record.family(now.timestamp()) if record is not None else None
        outcome = decide_rotation(state, request.presented, now.timestamp(), request.grace_seconds)
        if record is None:
            return RotationResult(outcome=outcome)
        user_id = record.session.user_id
        if outcome in ENDS_SESSION:
            self._state.end_session(request.session_id, ENDS_SESSION[outcome], now, set())
        elif outcome is RotationOutcome.ROTATED:
            budget = request.budget
            if budget is not None:
                wait = await self._limiter.hit(budget.key, budget.limit, budget.window_seconds)
                if wait is not None:
                    return RotationResult(
                        outcome=RotationOutcome.LIMITED, user_id=user_id, retry_after=wait
                    )
            self._rotate(record, request)
        elif outcome is RotationOutcome.GRACE:
            return RotationResult(outcome=outcome, user_id=user_id, successor=record.successor)
        return RotationResult(outcome=outcome, user_id=user_id)

    def _rotate(self, record: SessionRecord, request: RotationRequest) -> None:
        now, old = request.now, record.tokens
        self._state.add_to_blacklist(
            Revocation(
                jti=old.access_jti,
                user_id=record.session.user_id,
                expires_at=old.access_expires_at,
                reason="refresh",
            ),
            now,
        )
        record.tokens = request.tokens
        record.previous_refresh_jti = request.presented.refresh_jti
        record.rotated_at = now.timestamp()
        record.rotated_by = request.presented.client
        record.successor = request.successor
        record.successor_until = now.timestamp() + request.grace_seconds
        record.session = replace(record.session, last_used_at=now)

    async def get(self, session_id: str) -> Session | None:
        record = self._state.live_session(session_id, self._clock.now())
        return record.session if record else None

    async def list_for_user(self, user_id: UUID) -> list[Session]:
        now = self._clock.now()
        return [
            record.session
            for sid in list(self._state.sessions)
            if (record := self._state.live_session(sid, now)) and record.session.user_id == user_id
        ]
