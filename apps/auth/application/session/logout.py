from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.ports import Clock
from apps.auth.application.common.token_ports import (
    RevocationChecker,
    RevocationRequest,
    RevocationStore,
    TokenCodec,
)
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.errors import DomainError, TokenRevoked
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token import Revocation, TokenClaims, TokenType


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutRequest:
    access_token: str | None
    refresh_token: str | None
    client: ClientInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutResult:
    user_id: UUID | None


class LogoutInteractor:
    """Revokes the presented access token and ends the refresh token's session, atomically.

    Tokens that no longer verify need no revocation; an access token that is already revoked
    is refused as everywhere else. A revocation that cannot be written fails the logout
    instead of reporting success.
    """

    def __init__(
        self,
        *,
        codec: TokenCodec,
        revocations: RevocationStore,
        checker: RevocationChecker,
        auditor: Auditor,
        clock: Clock,
    ) -> None:
        self._codec = codec
        self._revocations = revocations
        self._checker = checker
        self._audit = auditor
        self._clock = clock

    async def execute(self, request: LogoutRequest) -> LogoutResult:
        access = self._decode(request.access_token, TokenType.ACCESS)
        refresh = self._decode(request.refresh_token, TokenType.REFRESH)
        if access is None and refresh is None:
            return LogoutResult(user_id=None)
        if access is not None and await self._checker.is_revoked(access):
            raise TokenRevoked()
        now = self._clock.now()
        sessions = {c.sid for c in (access, refresh) if c is not None and not c.issued_by_v1}
        revocations = [Revocation.of(access, RevocationReason.LOGOUT)] if access is not None else []
        unbound = (
            [Revocation.of(refresh, RevocationReason.LOGOUT)]
            if refresh and refresh.issued_by_v1
            else []
        )
        await self._revocations.revoke(
            RevocationRequest(
                revocations=revocations,
                session_ids=sorted(sessions),
                reason=RevocationReason.LOGOUT,
                spent_refresh=unbound,
            ),
            now,
        )
        known = access or refresh
        assert known is not None
        await self._audit.record(
            AuditEvent.LOGOUT, user_id=known.sub, provider=known.provider, client=request.client
        )
        return LogoutResult(user_id=known.sub)

    def _decode(self, token: str | None, kind: TokenType) -> TokenClaims | None:
        if not token:
            return None
        try:
            return self._codec.decode(token, kind)
        except DomainError:
            return None
