from __future__ import annotations

from dataclasses import dataclass

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.ports import Clock
from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RevocationStore,
    SessionStore,
)
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token import Revocation, TokenClaims


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutAllRequest:
    caller: TokenClaims
    client: ClientInfo


@dataclass(frozen=True, slots=True, kw_only=True)
class LogoutAllResult:
    sessions_revoked: int


class LogoutAllInteractor:
    """Ends every session of the caller and refuses every access token issued before now."""

    def __init__(
        self,
        *,
        sessions: SessionStore,
        revocations: RevocationStore,
        auditor: Auditor,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._revocations = revocations
        self._audit = auditor
        self._clock = clock

    async def execute(self, request: LogoutAllRequest) -> LogoutAllResult:
        caller = request.caller
        sessions = await self._sessions.list_for_user(caller.sub)
        own = set() if caller.issued_by_v1 else {caller.sid}
        session_ids = sorted({s.id for s in sessions} | own)
        await self._revocations.revoke(
            RevocationRequest(
                revocations=[Revocation.of(caller, RevocationReason.LOGOUT_ALL)],
                session_ids=session_ids,
                not_before_user=caller.sub,
                reason=RevocationReason.LOGOUT_ALL,
            ),
            self._clock.now(),
        )
        await self._audit.record(
            AuditEvent.LOGOUT_ALL,
            user_id=caller.sub,
            provider=caller.provider,
            client=request.client,
        )
        return LogoutAllResult(sessions_revoked=len(sessions))
