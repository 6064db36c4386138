from __future__ import annotations

from uuid import UUID

from apps.auth.application.common.ports import AuditLog, Clock, IdGenerator
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.session import ClientInfo


class Auditor:
    """Stamps audit records with an id and the time; `record` hands them to the shared log
    and returns the record it wrote."""

    def __init__(self, *, log: AuditLog, clock: Clock, ids: IdGenerator) -> None:
        self._log = log
        self._clock = clock
        self._ids = ids

    def entry(
        self,
        event: AuditEvent,
        *,
        user_id: UUID | None,
        provider: str | None,
        client: ClientInfo,
        reason: str | None = None,
    ) -> LoginAudit:
        return LoginAudit(
            id=self._ids.new_uuid(),
            event=event,
            user_id=user_id,
            provider=provider,
            reason=reason,
            ip=client.ip,
            user_agent=client.user_agent,
            occurred_at=self._clock.now(),
        )

    async def record(
        self,
        event: AuditEvent,
        *,
        user_id: UUID | None,
        provider: str | None,
        client: ClientInfo,
        reason: str | None = None,
    ) -> LoginAudit:
        audit = self.entry(event, user_id=user_id, provider=provider, client=client, reason=reason)
        await self._log.record(audit)
        return audit
