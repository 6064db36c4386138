from __future__ import annotations

from dataclasses import dataclass

from apps.auth.application.common.activity_ports import DeviceNamer
from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.ports import Clock
from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RevocationStore,
    SessionStore,
)
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.device import Device
from apps.auth.domain.errors import SessionNotFound
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import TokenClaims


@dataclass(frozen=True, slots=True, kw_only=True)
class ListSessionsResult:
    sessions: list[Session]
    current_session_id: str
    devices: dict[str, Device]


class ListSessionsQuery:
    """The caller's live sessions, newest first, each with the device its user agent names."""

    def __init__(self, *, sessions: SessionStore, devices: DeviceNamer) -> None:
        self._sessions = sessions
        self._devices = devices

    async def execute(self, caller: TokenClaims) -> ListSessionsResult:
        sessions = await self._sessions.list_for_user(caller.sub)
        sessions.sort(key=lambda s: s.created_at, reverse=True)
        return ListSessionsResult(
            sessions=sessions,
            current_session_id=caller.sid,
            devices={s.id: self._devices.name(s.client.user_agent) for s in sessions},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeSessionRequest:
    caller: TokenClaims
    session_id: str
    client: ClientInfo


class RevokeSessionInteractor:
    """Ends one of the caller's own sessions.

    Someone else's session is indistinguishable from a missing one.
    """

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

    async def execute(self, request: RevokeSessionRequest) -> None:
        session = await self._sessions.get(request.session_id)
        if session is None or session.user_id != request.caller.sub:
            raise SessionNotFound()
        await self._revocations.revoke(
            RevocationRequest(session_ids=[session.id], reason=RevocationReason.SESSION_REVOKED),
            self._clock.now(),
        )
        await self._audit.record(
            AuditEvent.SESSION_REVOKED,
            user_id=session.user_id,
            provider=session.provider,
            client=request.client,
        )
