from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.application.common.activity_ports import AuditPosition
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.session import ClientInfo
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.persistence_postgres.tables import login_audits

_T = login_audits.c
# Never `jti`: v1 writes token ids into this table, and nothing read here leaves without it.
_COLUMNS = (_T.id, _T.event, _T.user_id, _T.provider, _T.reason, _T.ip, _T.user_agent)


class SqlAlchemyActivityLog:
    """One user's audit records, read on a pooled connection of their own (no transaction)."""

    def __init__(self, *, engine: AsyncEngine) -> None:
        self._engine = engine

    @translate_errors
    async def page(
        self,
        user_id: UUID,
        *,
        events: Collection[AuditEvent],
        since: datetime,
        before: AuditPosition | None,
        limit: int,
    ) -> list[LoginAudit]:
        where = [_T.user_id == user_id, _T.event.in_([e.value for e in events])]
        where.append(_T.occurred_at >= since)
        if before is not None:
            where.append(tuple_(_T.occurred_at, _T.id) < tuple_(before.occurred_at, before.id))
        query = (
            select(*_COLUMNS, _T.occurred_at)
            .where(and_(*where))
            .order_by(_T.occurred_at.desc(), _T.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_audit(row) for row in rows]

    @translate_errors
    async def clients_since(
        self, user_id: UUID, *, events: Collection[AuditEvent], since: datetime, limit: int
    ) -> list[ClientInfo]:
        query = (
            select(_T.ip, _T.user_agent)
            .where(
                _T.user_id == user_id,
                _T.event.in_([e.value for e in events]),
                _T.occurred_at >= since,
            )
            .distinct()
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ClientInfo(ip=row.ip, user_agent=row.user_agent) for row in rows]


def _audit(row: Any) -> LoginAudit:
    return LoginAudit(
        id=row.id,
        event=AuditEvent(row.event),
        user_id=row.user_id,
        provider=row.provider,
        reason=row.reason,
        ip=row.ip,
        user_agent=row.user_agent,
        occurred_at=row.occurred_at,
    )
