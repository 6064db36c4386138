from __future__ import annotations

from apps.auth.application.token.ports import AdoptionOutcome, AdoptionRequest, AdoptionResult
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.token import Revocation
from apps.auth.domain.token_family import decide_adoption
from apps.auth.infrastructure.memory.memory_token_state import MemoryTokenState, SessionRecord


class MemoryLegacySessions:
    """Adopts a v1 refresh token into a session by the domain's adoption table, in one step:
    the in-memory twin of `RedisLegacySessions`, held to it by the parity test."""

    def __init__(self, *, state: MemoryTokenState) -> None:
        self._state = state

    async def adopt(self, request: AdoptionRequest) -> AdoptionResult:
        v1, session, now = request.presented, request.session, request.now
        adopted_as = self._state.adopted.get(v1.jti)
        outcome = decide_adoption(
            adopted_as=adopted_as,
            blacklisted=v1.jti in self._state.blacklist,
            known_to_v1=v1.jti in self._state.v1_tokens.get(v1.sub, {}),
        )
        if outcome is AdoptionOutcome.ALREADY_ADOPTED:
            return AdoptionResult(outcome=outcome, session_id=adopted_as)
        if outcome is not AdoptionOutcome.ADOPTED:
            return AdoptionResult(outcome=outcome)
        self._state.v1_tokens[v1.sub].pop(v1.jti)
        # Blacklisted for at least a second, like every record kept for a token.
        revocation = Revocation(
            jti=v1.jti, user_id=v1.sub, expires_at=v1.expires_at, reason=RevocationReason.REFRESH
        )
        self._state.add_to_blacklist(revocation, now, even_expired=True)
        self._state.adopted[v1.jti] = session.id
        self._state.sessions[session.id] = SessionRecord(
            session=session,
            tokens=request.tokens,
            previous_refresh_jti=v1.jti,
            rotated_at=now.timestamp(),
            rotated_by=request.client,
            successor=request.successor,
            successor_until=now.timestamp() + request.grace_seconds,
        )
        self._state.register_refresh(
            v1.sub, request.tokens.refresh_jti, request.tokens.refresh_expires_at
        )
        return AdoptionResult(outcome=outcome, session_id=session.id)
