from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from apps.auth.application.common.activity_ports import AuditPosition
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.session import ClientInfo
from apps.auth.infrastructure.memory.memory_store import MemoryStore


class MemoryActivityLog:
    """The embedded audit records read back with the Postgres adapter's order and filters."""

    def __init__(self, *, store: MemoryStore) -> None:
        self._store = store

    def _matching(
        self, user_id: UUID, events: Collection[AuditEvent], since: datetime
    ) -> list[LoginAudit]:
        return [
            audit
            for audit in self._store.audits
            if audit.user_id == user_id and audit.event in events and audit.occurred_at >= since
        ]

    async def page(
        self,
        user_id: UUID,
        *,
        events: Collection[AuditEvent],
        since: datetime,
        before: AuditPosition | None,
        limit: int,
    ) -> list[LoginAudit]:
        found = self._matching(user_id, events, since)
        if before is not None:
            bound = (before.occurred_at, before.id)
            found = [a for a in found if (a.occurred_at, a.id) < bound]
        found.sort(key=lambda a: (a.occurred_at, a.id), reverse=True)
        return found[:limit]

    async def clients_since(
        self, user_id: UUID, *, events: Collection[AuditEvent], since: datetime, limit: int
    ) -> list[ClientInfo]:
        pairs = dict.fromkeys((a.ip, a.user_agent) for a in self._matching(user_id, events, since))
        return [ClientInfo(ip=ip, user_agent=agent) for ip, agent in list(pairs)[:limit]]
