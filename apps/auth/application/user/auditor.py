from __future__ import annotations

from uuid import UUID

from apps.auth.application.common.ports import Clock, IdGenerator
from apps.auth.application.user.ports import AuditLog
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.session import ClientInfo


class Auditor:
    """Stamps audit records with an id and the time before handing them to the log."""

    def __init__(self, log: AuditLog, clock: Clock, ids: IdGenerator) -> None:
        self._log = log
        self._clock = clock
        self._ids = ids

    async def record(
        self,
        event: AuditEvent,
        *,
        user_id: UUID | None,
        provider: str | None,
        client: ClientInfo,
        reason: str | None = None,
    ) -> None:
        await self._log.record(
            LoginAudit(
                id=self._ids.new_uuid(),
                event=event,
                user_id=user_id,
                provider=provider,
                reason=reason,
                ip=client.ip,
                user_agent=client.user_agent,
                occurred_at=self._clock.now(),
            )
        )
