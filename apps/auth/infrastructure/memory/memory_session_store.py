from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from apps.auth.application.common.ports import Clock
from apps.auth.application.common.token_ports import (
    RotationRequest,
    RotationResult,
    SessionTokens,
)
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation
from apps.auth.domain.token_family import (
    ENDS_SESSION,
    BudgetState,
    RotationOutcome,
    budget_window,
    decide_rotation,
)
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState, SessionRecord


class MemorySessionStore:
    """Sessions in process memory; rotation follows the domain's decision table."""

    def __init__(self, *, state: MemoryTokenState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    async def open(self, session: Session, tokens: SessionTokens) -> None:
        self._state.sessions[session.id] = SessionRecord(session=session, tokens=tokens)
        self._state.register_refresh(session.user_id, tokens.refresh_jti, tokens.refresh_expires_at)

    async def rotate(self, request: RotationRequest) -> RotationResult:
        now, presented = request.now.timestamp(), request.presented
        # Like the Redis hash, the record outlives its expiry by a moment; the rules decide.
        record = self._state.sessions.get(request.session_id)
        state = None
        if record is not None:
            current = presented.refresh_jti == record.tokens.refresh_jti
            spent = current and self._state.spent_elsewhere(
                record.session.user_id, presented.refresh_jti
            )
            state = record.family(now, spent_elsewhere=spent)
        budget, window_key, retry_after = None, "", 0
        if request.budget is not None:
            index, retry_after = budget_window(now, request.budget.window_seconds)
            window_key = f"{request.budget.key}:{index}"
            used = self._state.budget_used(window_key)
            budget = BudgetState(used=used, limit=request.budget.limit)
        outcome = decide_rotation(state, presented, now, request.grace_seconds, budget)
        if record is None or outcome is RotationOutcome.UNVERIFIED:
            return RotationResult(outcome=outcome)
        user_id = record.session.user_id
        if outcome in ENDS_SESSION:
            self._state.end_session(request.session_id, ENDS_SESSION[outcome], request.now, set())
        elif outcome is RotationOutcome.LIMITED:
            return RotationResult(outcome=outcome, user_id=user_id, retry_after=retry_after)
        elif outcome is RotationOutcome.ROTATED:
            self._rotate(record, request)
            if window_key:
                self._state.charge_budget(window_key, now + retry_after, now)
        elif outcome is RotationOutcome.GRACE:
            return RotationResult(outcome=outcome, user_id=user_id, successor=record.successor)
        return RotationResult(outcome=outcome, user_id=user_id)

    def _rotate(self, record: SessionRecord, request: RotationRequest) -> None:
        now, old, user_id = request.now, record.tokens, record.session.user_id
        self._state.add_to_blacklist(
            Revocation(
                jti=old.access_jti,
                user_id=user_id,
                expires_at=old.access_expires_at,
                reason=RevocationReason.REFRESH,
            ),
            now,
        )
        self._state.spend_refresh(user_id, old.refresh_jti, old.refresh_expires_at, now)
        self._state.register_refresh(
            user_id, request.tokens.refresh_jti, request.tokens.refresh_expires_at
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
