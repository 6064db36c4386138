from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from apps.auth.application.common.ports import Clock
from apps.auth.application.common.token_ports import RotationOutcome, RotationResult, SessionTokens
from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState, SessionRecord


class MemorySessionStore:
    """Sessions in process memory with the same rotation rules as the Redis script."""

    def __init__(self, state: MemoryTokenState, clock: Clock) -> None:
        self._state = state
        self._clock = clock

    async def open(self, session: Session, tokens: SessionTokens) -> None:
        self._state.sessions[session.id] = SessionRecord(session=session, tokens=tokens)

    async def rotate(
        self, session_id: str, presented_jti: str, tokens: SessionTokens, now: datetime, grace: int
    ) -> RotationResult:
        record = self._state.live_session(session_id, now)
        if record is None:
            return RotationResult(outcome=RotationOutcome.MISSING)
        user_id = record.session.user_id
        if now >= record.session.expires_at:
            self._state.end_session(session_id, "session_expired", now, set())
            return RotationResult(outcome=RotationOutcome.EXPIRED, user_id=user_id)
        if record.tokens.refresh_jti == presented_jti:
            old = record.tokens
            self._state.add_to_blacklist(
                Revocation(
                    jti=old.access_jti,
                    user_id=user_id,
                    expires_at=old.access_expires_at,
                    reason="refresh",
                ),
                now,
            )
            record.tokens = tokens
            record.previous_refresh_jti = presented_jti
            record.rotated_at = now.timestamp()
            record.session = replace(record.session, last_used_at=now)
            return RotationResult(outcome=RotationOutcome.ROTATED, user_id=user_id)
        in_grace = grace > 0 and now.timestamp() - record.rotated_at <= grace
        if record.previous_refresh_jti == presented_jti and in_grace and record.tokens.successor:
            return RotationResult(
                outcome=RotationOutcome.GRACE, user_id=user_id, successor=record.tokens.successor
            )
        self._state.end_session(session_id, "refresh_reuse", now, set())
        return RotationResult(outcome=RotationOutcome.REUSE, user_id=user_id)

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
