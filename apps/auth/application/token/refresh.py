from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.issuance import TokenIssuer
from apps.auth.application.common.ports import Clock, IdGenerator
from apps.auth.application.common.security_notices import SecurityNotices
from apps.auth.application.common.token_ports import (
    RefreshBudget,
    RevocationRequest,
    RevocationStore,
    RotationRequest,
    RotationResult,
    SessionStore,
    SessionTokens,
    TokenCodec,
)
from apps.auth.application.common.user_presence import UserPresence
from apps.auth.application.token.ports import AdoptionOutcome, AdoptionRequest, LegacySessions
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.errors import (
    MissingToken,
    RateLimited,
    RefreshTokenReused,
    SessionExpired,
    TokenRevoked,
)
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import Successor, TokenClaims, TokenPair, TokenType
from apps.auth.domain.token_family import (
    ENDS_SESSION,
    Presented,
    RotationOutcome,
    client_fingerprint,
    token_digest,
)

# A signed pair and what the session keeps of it, as `TokenIssuer.issue` returns them.
Issued = tuple[TokenPair, SessionTokens]


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshTokensRequest:
    refresh_token: str | None
    client: ClientInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshTokensResult:
    user_id: UUID
    tokens: TokenPair
    outcome: RotationOutcome


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshDeps:
    codec: TokenCodec
    sessions: SessionStore
    legacy: LegacySessions
    users: UserPresence
    revocations: RevocationStore
    issuer: TokenIssuer
    auditor: Auditor
    per_user_limit: int
    window_seconds: int
    clock: Clock
    ids: IdGenerator
    notices: SecurityNotices


class RefreshTokensInteractor:
    """Rotates a session's refresh token in one atomic step and revokes the old access token.

    An already-rotated token is reuse: the whole family is revoked and audited, unless the
    client that rotated it presents it again within the grace window, where it receives the
    same successor (audited as a grace hit); reuse also sends the user an
    `auth.session_compromised` notice. A refresh token of the previous auth (v1, no
    session claim) still known to v1's records becomes a new session, once. A user the owner of
    users no longer knows cannot refresh, and their sessions end.

    The refresh token's signature is checked only when the session store does not recognise
    the token as the exact one it issued last (see `_rotate_unchecked`).
    """

    def __init__(self, *, deps: RefreshDeps) -> None:
        self._d = deps

    async def execute(self, request: RefreshTokensRequest) -> RefreshTokensResult:
        token = request.refresh_token
        if not token:
            raise MissingToken("Refresh token is missing")
        now = self._d.clock.now()
        claims = self._d.codec.inspect(token, TokenType.REFRESH)
        issued = None
        if claims is not None and not claims.issued_by_v1:
            issued = await self._issue(claims, claims.sid, now)
            answer = await self._rotate_unchecked(claims, token, request, now, issued)
            if answer is not None:
                return answer
        claims = self._d.codec.decode(token, TokenType.REFRESH)
        return await self._rotate_checked(claims, request, now, issued)

    async def _rotate_unchecked(
        self,
        claims: TokenClaims,
        token: str,
        request: RefreshTokensRequest,
        now: datetime,
        issued: Issued,
    ) -> RefreshTokensResult | None:
        """The common case without a signature check: the session store acts on the token only
        if it is, byte for byte, the refresh token it issued last (so one we signed); otherwise
        it changes nothing and answers UNVERIFIED (None here), and the token goes the checked
        way with the same new pair. The owner of users is asked only once the token is known
        to be ours."""
        result, pair = await self._rotate(
            claims, claims.sid, request, now, digest=token_digest(token), issued=issued
        )
        if result.outcome is RotationOutcome.UNVERIFIED:
            return None
        if result.outcome is RotationOutcome.ROTATED and not await self._d.users.still_exists(
            claims.sub
        ):
            await self._end_session(claims, claims.sid, now)
            raise TokenRevoked()
        return await self._answer(claims, request, result, pair)

    async def _rotate_checked(
        self,
        claims: TokenClaims,
        request: RefreshTokensRequest,
        now: datetime,
        issued: Issued | None,
    ) -> RefreshTokensResult:
        """`issued`: the pair `_rotate_unchecked` signed at `now`, reused when it went there."""
        if not await self._d.users.still_exists(claims.sub):
            if not claims.issued_by_v1:
                await self._end_session(claims, claims.sid, now)
            raise TokenRevoked()
        if claims.issued_by_v1:
            result, pair = await self._adopt(claims, request, now)
        else:
            result, pair = await self._rotate(claims, claims.sid, request, now, issued=issued)
        return await self._answer(claims, request, result, pair)

    async def _end_durably(
        self,
        claims: TokenClaims,
        request: RefreshTokensRequest,
        sid: str,
        result: RotationResult,
        now: datetime,
    ) -> None:
        """The rotation ended the session on the primary only. The end goes again through the
        revocation store, which keeps and re-writes it and raises until a replica holds it; a
        reuse is audited and notified first, since a retry finds the session already gone."""
        if result.outcome is RotationOutcome.REUSE:
            await self._reused(claims, request)
        reason = ENDS_SESSION[result.outcome]
        await self._d.revocations.revoke(RevocationRequest(session_ids=[sid], reason=reason), now)
        if result.outcome is RotationOutcome.REUSE:
            raise RefreshTokenReused()
        raise SessionExpired()

    async def _reused(self, claims: TokenClaims, request: RefreshTokensRequest) -> None:
        """A reuse is audited and the user told (`auth.session_compromised`)."""
        audit = await self._d.auditor.record(
            AuditEvent.REFRESH_REUSE,
            user_id=claims.sub,
            provider=claims.provider,
            client=request.client,
            reason="reuse",
        )
        await self._d.notices.session_compromised(audit)

    async def _end_session(self, claims: TokenClaims, sid: str, now: datetime) -> None:
        await self._d.revocations.revoke(
            RevocationRequest(
                session_ids=[sid],
                not_before_user=claims.sub,
                reason=RevocationReason.ACCOUNT_DELETED,
            ),
            now,
        )

    def _budget(self, claims: TokenClaims) -> RefreshBudget | None:
        if not self._d.per_user_limit:
            return None
        return RefreshBudget(
            key=f"refresh:user:{claims.sub}",
            limit=self._d.per_user_limit,
            window_seconds=self._d.window_seconds,
        )

    def _successor(self, pair: TokenPair) -> Successor | None:
        if self._d.issuer.lifetimes.refresh_grace_seconds <= 0:
            return None
        return Successor(access=pair.access.value, refresh=pair.refresh.value)

    async def _rotate(
        self,
        claims: TokenClaims,
        sid: str,
        request: RefreshTokensRequest,
        now: datetime,
        *,
        digest: str = "",
        issued: Issued | None = None,
    ) -> tuple[RotationResult, TokenPair]:
        """`issued`: the pair already signed for this session, if any; else one is signed."""
        pair, tokens = issued or await self._issue(claims, sid, now)
        result = await self._d.sessions.rotate(
            RotationRequest(
                session_id=sid,
                presented=Presented(
                    refresh_jti=claims.jti,
                    client=client_fingerprint(request.client),
                    digest=digest,
                ),
                presented_token=request.refresh_token or "",
                tokens=tokens,
                successor=self._successor(pair),
                now=now,
                grace_seconds=self._d.issuer.lifetimes.refresh_grace_seconds,
                budget=self._budget(claims),
            )
        )
        if not result.replicated and result.outcome in ENDS_SESSION:
            await self._end_durably(claims, request, sid, result, now)
        return result, pair

    async def _issue(self, claims: TokenClaims, sid: str, now: datetime) -> Issued:
        return await self._d.issuer.issue(
            user_id=claims.sub, provider=claims.provider, session_id=sid, now=now
        )

    async def _adopt(
        self, claims: TokenClaims, request: RefreshTokensRequest, now: datetime
    ) -> tuple[RotationResult, TokenPair]:
        lifetimes = self._d.issuer.lifetimes
        session = Session(
            id=self._d.ids.new_token_id(),
            user_id=claims.sub,
            provider=claims.provider,
            client=request.client,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=lifetimes.session_max_seconds),
        )
        pair, tokens = await self._issue(claims, session.id, now)
        adoption = await self._d.legacy.adopt(
            AdoptionRequest(
                presented=claims,
                presented_token=request.refresh_token or "",
                client=client_fingerprint(request.client),
                session=session,
                tokens=tokens,
                successor=self._successor(pair),
                now=now,
                grace_seconds=lifetimes.refresh_grace_seconds,
            )
        )
        if adoption.outcome is AdoptionOutcome.ADOPTED:
            return RotationResult(outcome=RotationOutcome.ROTATED, user_id=claims.sub), pair
        if adoption.outcome is AdoptionOutcome.ALREADY_ADOPTED and adoption.session_id:
            return await self._rotate(claims, adoption.session_id, request, now)
        raise TokenRevoked()

    async def _answer(
        self,
        claims: TokenClaims,
        request: RefreshTokensRequest,
        result: RotationResult,
        pair: TokenPair,
    ) -> RefreshTokensResult:
        outcome = result.outcome

        async def audit(event: AuditEvent, reason: str | None = None) -> LoginAudit:
            return await self._d.auditor.record(
                event,
                user_id=claims.sub,
                provider=claims.provider,
                client=request.client,
                reason=reason,
            )

        if outcome is RotationOutcome.ROTATED:
            await audit(AuditEvent.REFRESH)
            return RefreshTokensResult(user_id=claims.sub, tokens=pair, outcome=outcome)
        if outcome is RotationOutcome.GRACE and result.successor is not None:
            await audit(AuditEvent.REFRESH_GRACE)
            successor = self._d.issuer.restore(result.successor)
            return RefreshTokensResult(user_id=claims.sub, tokens=successor, outcome=outcome)
        if outcome is RotationOutcome.REUSE:
            await self._reused(claims, request)
            raise RefreshTokenReused()
        if outcome is RotationOutcome.EXPIRED:
            raise SessionExpired()
        if outcome is RotationOutcome.LIMITED:
            raise RateLimited(result.retry_after or 1)
        raise TokenRevoked()
