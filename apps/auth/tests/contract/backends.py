"""The storage compositions production wires, as the contract tests drive them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.application.common.activity_ports import ActivityLog
from apps.auth.application.common.ports import AuditLog, UnitOfWork
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.infrastructure.memory.memory_activity_log import MemoryActivityLog
from apps.auth.infrastructure.memory.memory_audit_log import StandaloneMemoryAuditLog
from apps.auth.infrastructure.memory.memory_store import MemoryStore
from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryUnitOfWork
from apps.auth.infrastructure.persistence_postgres.buffered_sql_audit_log import (
    BufferedSqlAuditLog,
)
from apps.auth.infrastructure.persistence_postgres.database import create_session_factory
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_activity_log import (
    SqlAlchemyActivityLog,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_unit_of_work import (
    SqlAlchemyUnitOfWork,
)
from apps.auth.infrastructure.persistence_postgres.tables import login_audits


class Storage(Protocol):
    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]: ...

    def shared_audit_log(self) -> AuditLog:
        """The log outside any unit of work: the one refresh, logout and revocations use."""
        ...

    async def committed_audits(self) -> list[LoginAudit]: ...

    def activity_log(self) -> ActivityLog:
        """The audit records read back, as the activity list and the new-device check do."""
        ...

    async def close(self) -> None: ...


class PostgresStorage:
    def __init__(self, engine: AsyncEngine) -> None:
        self._factory = create_session_factory(engine)
        self._shared = BufferedSqlAuditLog(engine=engine)
        self._activity = SqlAlchemyActivityLog(engine=engine)

    def activity_log(self) -> ActivityLog:
        return self._activity

    def unit(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(session_factory=self._factory)

    def shared_audit_log(self) -> AuditLog:
        return self._shared

    async def committed_audits(self) -> list[LoginAudit]:
        await self._shared.flush()
        async with self._factory() as session:
            rows = await session.execute(
                select(login_audits).order_by(login_audits.c.occurred_at, login_audits.c.id)
            )
        return [
            LoginAudit(
                id=r.id,
                event=AuditEvent(r.event),
                user_id=r.user_id,
                provider=r.provider,
                reason=r.reason,
                ip=r.ip,
                user_agent=r.user_agent,
                occurred_at=r.occurred_at,
            )
            for r in rows
        ]

    async def close(self) -> None:
        await self._shared.close()


class MemoryStorage:
    def __init__(self) -> None:
        self.store = MemoryStore()

    def activity_log(self) -> ActivityLog:
        return MemoryActivityLog(store=self.store)

    def unit(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(store=self.store)

    def shared_audit_log(self) -> AuditLog:
        return StandaloneMemoryAuditLog(store=self.store)

    async def committed_audits(self) -> list[LoginAudit]:
        return sorted(self.store.audits, key=lambda a: (a.occurred_at, a.id))

    async def close(self) -> None:
        return None
