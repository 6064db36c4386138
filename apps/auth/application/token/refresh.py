from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.issuance import TokenIssuer
from apps.auth.application.common.ports import Clock
from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.common.token_ports import (
    RotationRequest,
    SessionStore,
    TokenCodec,
)
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.errors import (
    MissingToken,
    RateLimited,
    RefreshTokenReused,
    SessionExpired,
    TokenRevoked,
)
from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token import Successor, TokenPair, TokenType
from apps.auth.domain.token_family import Presented, RotationOutcome, client_fingerprint


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshTokensRequest:
    refresh_token: str | None
    client: ClientInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshTokensResult:
    user_id: UUID
    tokens: TokenPair
    outcome: RotationOutcome


class RefreshTokensInteractor:
    """Rotates a session's refresh token in one atomic step and revokes the old access token.

    An already-rotated token is reuse: the whole family is revoked and audited, unless the
    client that rotated it presents it again within the grace window, where it receives the
    same successor (audited as a grace hit).
    """

    def __init__(
        self,
        codec: TokenCodec,
        sessions: SessionStore,
        issuer: TokenIssuer,
        auditor: Auditor,
        limiter: RateLimiter,
        per_user_limit: int,
        window_seconds: int,
        clock: Clock,
    ) -> None:
        self._codec = codec
        self._sessions = sessions
        self._issuer = issuer
        self._audit = auditor
        self._limiter = limiter
        self._per_user_limit = per_user_limit
        self._window = window_seconds
        self._clock = clock

    async def execute(self, request: RefreshTokensRequest) -> RefreshTokensResult:
        if not request.refresh_token:
            raise MissingToken("Refresh token is missing")
        claims = self._codec.decode(request.refresh_token, TokenType.REFRESH)
        if self._per_user_limit:
            wait = await self._limiter.hit(
                f"refresh:user:{claims.sub}", self._per_user_limit, self._window
            )
            if wait is not None:
                raise RateLimited(wait)
        now = self._clock.now()
        grace = self._issuer.lifetimes.refresh_grace_seconds
        pair, tokens = self._issuer.issue(
            user_id=claims.sub, provider=claims.provider, session_id=claims.sid, now=now
        )
        result = await self._sessions.rotate(
            RotationRequest(
                session_id=claims.sid,
                presented=Presented(
                    refresh_jti=claims.jti, client=client_fingerprint(request.client)
                ),
                presented_token=request.refresh_token,
                tokens=tokens,
                successor=(
                    Successor(access=pair.access.value, refresh=pair.refresh.value)
                    if grace > 0
                    else None
                ),
                now=now,
                grace_seconds=grace,
            )
        )
        if result.outcome is RotationOutcome.ROTATED:
            await self._audit.record(
                AuditEvent.REFRESH,
                user_id=claims.sub,
                provider=claims.provider,
                client=request.client,
            )
            return RefreshTokensResult(user_id=claims.sub, tokens=pair, outcome=result.outcome)
        if result.outcome is RotationOutcome.GRACE and result.successor is not None:
            await self._audit.record(
                AuditEvent.REFRESH_GRACE,
                user_id=claims.sub,
                provider=claims.provider,
                client=request.client,
            )
            successor = self._issuer.restore(result.successor)
            return RefreshTokensResult(user_id=claims.sub, tokens=successor, outcome=result.outcome)
        if result.outcome is RotationOutcome.REUSE:
            await self._audit.record(
                AuditEvent.REFRESH_REUSE,
                user_id=claims.sub,
                provider=claims.provider,
                client=request.client,
                reason="reuse",
            )
            raise RefreshTokenReused()
        if result.outcome is RotationOutcome.EXPIRED:
            raise SessionExpired()
        raise TokenRevoked()
