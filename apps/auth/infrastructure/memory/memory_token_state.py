from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from apps.auth.application.common.token_ports import SessionTokens
from apps.auth.domain.revocation_event import encode_event
from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation, Successor
from apps.auth.domain.token_family import FamilyState, blacklist_ttl


@dataclass(slots=True)
class SessionRecord:
    session: Session
    tokens: SessionTokens
    previous_refresh_jti: str = ""
    rotated_at: float = 0.0
    rotated_by: str = ""
    successor: Successor | None = None
    successor_until: float = 0.0

    def family(self, now: float) -> FamilyState:
        return FamilyState(
            refresh_jti=self.tokens.refresh_jti,
            previous_refresh_jti=self.previous_refresh_jti,
            rotated_at=self.rotated_at,
            expires_at=self.session.expires_at.timestamp(),
            rotated_by=self.rotated_by,
            successor_kept=self.successor is not None and now <= self.successor_until,
        )


@dataclass
class MemoryTokenState:
    """What Redis holds for tokens, kept in one process; every mutation is a single sync step,
    which is as atomic under asyncio as a Lua script is in Redis."""

    blacklist: dict[str, tuple[float, bytes]] = field(default_factory=dict)
    not_before: dict[UUID, tuple[float, float]] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    outbox: list[bytes] = field(default_factory=list)
    leeway_seconds: int = 0

    def add_to_blacklist(self, revocation: Revocation, now: datetime) -> None:
        if (
            blacklist_ttl(revocation.expires_at.timestamp(), now.timestamp(), self.leeway_seconds)
            == 0
        ):
            return
        payload = encode_event(revocation, now)
        self.blacklist[revocation.jti] = (revocation.expires_at.timestamp(), payload)
        self.outbox.append(payload)

    def end_session(self, session_id: str, reason: str, now: datetime, skip: set[str]) -> bool:
        record = self.sessions.pop(session_id, None)
        if record is None:
            return False
        jti = record.tokens.access_jti
        if jti not in skip:
            self.add_to_blacklist(
                Revocation(
                    jti=jti,
                    user_id=record.session.user_id,
                    expires_at=record.tokens.access_expires_at,
                    reason=reason,
                ),
                now,
            )
            skip.add(jti)
        return True

    def live_session(self, session_id: str, now: datetime) -> SessionRecord | None:
        record = self.sessions.get(session_id)
        if record is not None and now.timestamp() > record.session.expires_at.timestamp() + 1:
            del self.sessions[session_id]
            return None
        return record
