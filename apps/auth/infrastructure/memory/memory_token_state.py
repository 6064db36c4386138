from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from apps.auth.application.common.token_ports import SessionTokens
from apps.auth.domain.revocation_event import encode_event
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation, Successor
from apps.auth.domain.token_family import FamilyState, blacklist_ttl

SPENT = b"spent"


@dataclass(slots=True, kw_only=True)
class SessionRecord:
    session: Session
    tokens: SessionTokens
    previous_refresh_jti: str = ""
    rotated_at: float = 0.0
    rotated_by: str = ""
    successor: Successor | None = None
    successor_until: float = 0.0

    def family(self, now: float, spent_elsewhere: bool = False) -> FamilyState:
        return FamilyState(
            refresh_jti=self.tokens.refresh_jti,
            previous_refresh_jti=self.previous_refresh_jti,
            rotated_at=self.rotated_at,
            expires_at=self.session.expires_at.timestamp(),
            rotated_by=self.rotated_by,
            successor_kept=self.successor is not None and now <= self.successor_until,
            spent_elsewhere=spent_elsewhere,
            refresh_digest=self.tokens.refresh_digest,
        )


@dataclass(kw_only=True)
class MemoryTokenState:
    """What Redis holds for tokens, kept in one process; every mutation is a single sync step,
    which is as atomic under asyncio as a Lua script is in Redis.

    With `legacy` on (the cut-over), `v1_tokens` stands for v1's records of refresh tokens
    (`user:tokens:{user_id}`), kept in step as the Redis scripts keep them.
    """

    blacklist: dict[str, tuple[float, bytes]] = field(default_factory=dict)
    not_before: dict[UUID, tuple[float, float]] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    outbox: list[bytes] = field(default_factory=list)
    leeway_seconds: int = 0
    legacy: bool = False
    v1_tokens: dict[UUID, dict[str, float]] = field(default_factory=dict)
    # v1 refresh tokens adopted, and the session each became.
    adopted: dict[str, str] = field(default_factory=dict)
    # Refresh budget counters by window key: (window end, rotations charged).
    budgets: dict[str, tuple[float, int]] = field(default_factory=dict)

    def add_to_blacklist(
        self, revocation: Revocation, now: datetime, *, even_expired: bool = False
    ) -> None:
        ttl = blacklist_ttl(revocation.expires_at.timestamp(), now.timestamp(), self.leeway_seconds)
        if ttl == 0 and not even_expired:
            return
        payload = encode_event(revocation, now)
        self.blacklist[revocation.jti] = (revocation.expires_at.timestamp(), payload)
        self.outbox.append(payload)

    def spent_elsewhere(self, user_id: UUID, refresh_jti: str) -> bool:
        """`FamilyState.spent_elsewhere`: v1 no longer holds the token, or it is refused."""
        if not self.legacy:
            return False
        known = refresh_jti in self.v1_tokens.get(user_id, {})
        return not known or refresh_jti in self.blacklist

    def register_refresh(self, user_id: UUID, refresh_jti: str, expires_at: datetime) -> None:
        if self.legacy:
            self.v1_tokens.setdefault(user_id, {})[refresh_jti] = expires_at.timestamp()

    def spend_refresh(
        self, user_id: UUID, refresh_jti: str, expires_at: datetime, now: datetime
    ) -> None:
        """Refused until it expires, and gone from v1's records."""
        if not self.legacy or not refresh_jti:
            return
        if blacklist_ttl(expires_at.timestamp(), now.timestamp(), self.leeway_seconds) > 0:
            self.blacklist[refresh_jti] = (expires_at.timestamp(), SPENT)
        self.v1_tokens.get(user_id, {}).pop(refresh_jti, None)

    def spend_all_refresh(self, user_id: UUID, now: datetime) -> None:
        """Every refresh token v1 knows of the user, as `spend_refresh` spends one.

        As in Redis, where a token's own record lives exactly as long as the token: once that
        record is gone (under a second left), the token is refused for as long as v1's set of
        the user's tokens lives, which is as long as its newest member."""
        tokens = self.v1_tokens.pop(user_id, {})
        newest = max(tokens.values(), default=0.0)
        moment = now.timestamp()
        for jti, expires_at in tokens.items():
            lasts = expires_at if expires_at - moment >= 1 else newest
            if lasts - moment >= 1:
                self.blacklist[jti] = (lasts, SPENT)

    def end_session(
        self, session_id: str, reason: RevocationReason, now: datetime, skip: set[str]
    ) -> bool:
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
        self.spend_refresh(
            record.session.user_id,
            record.tokens.refresh_jti,
            record.tokens.refresh_expires_at,
            now,
        )
        return True

    def budget_used(self, window_key: str) -> int:
        return self.budgets.get(window_key, (0.0, 0))[1]

    def charge_budget(self, window_key: str, window_end: float, now: float) -> None:
        used = self.budget_used(window_key)
        # Windows that have ended are dropped, as their Redis counters expire.
        self.budgets = {k: v for k, v in self.budgets.items() if v[0] > now}
        self.budgets[window_key] = (window_end, used + 1)

    def live_session(self, session_id: str, now: datetime) -> SessionRecord | None:
        record = self.sessions.get(session_id)
        if record is not None and now.timestamp() > record.session.expires_at.timestamp() + 1:
            del self.sessions[session_id]
            return None
        return record
