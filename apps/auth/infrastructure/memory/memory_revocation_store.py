from __future__ import annotations

from datetime import datetime

from apps.auth.application.common.token_ports import RevocationRequest
from apps.auth.domain.token import TokenClaims
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState


class MemoryRevocationStore:
    """Blacklist, ended sessions, not-before and outbox events in one synchronous step."""

    def __init__(self, *, state: MemoryTokenState, not_before_ttl_seconds: int = 3600) -> None:
        self._state = state
        self._nbf_ttl = not_before_ttl_seconds

    async def revoke(self, request: RevocationRequest, now: datetime) -> None:
        skip: set[str] = set()
        for revocation in request.revocations:
            self._state.add_to_blacklist(revocation, now)
            skip.add(revocation.jti)
        for session_id in request.session_ids:
            self._state.end_session(session_id, request.reason, now, skip)
        if request.not_before_user is not None:
            # Whole-second `iat` cannot order tokens within the second of the not-before, so
            # every session the user holds now ends by jti in this same step.
            user = request.not_before_user
            held = [s for s, r in self._state.sessions.items() if r.session.user_id == user]
            for session_id in held:
                self._state.end_session(session_id, request.reason, now, skip)
            self._state.not_before[request.not_before_user] = (
                float(int(now.timestamp())),
                now.timestamp() + self._nbf_ttl,
            )
            self._state.spend_all_refresh(user, now)
        for spent in request.spent_refresh:
            self._state.spend_refresh(spent.user_id, spent.jti, spent.expires_at, now)


class MemoryRevocationChecker:
    def __init__(self, *, state: MemoryTokenState) -> None:
        self._state = state

    async def is_revoked(self, claims: TokenClaims) -> bool:
        entry = self._state.blacklist.get(claims.jti)
        if entry is not None:
            return True
        not_before = self._state.not_before.get(claims.sub)
        return not_before is not None and claims.issued_at.timestamp() < not_before[0]
