from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apps.auth.application.common.ports import TransactionManager
from apps.auth.application.user.ports import AuditLog, UserRepository
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.infrastructure.memory.memory_audit_log import (
    MemoryAuditLog,
    StandaloneMemoryAuditLog,
)
from apps.auth.infrastructure.memory.memory_transaction_manager import MemoryTransactionManager
from apps.auth.infrastructure.memory.memory_unit_of_work import MemoryStore, MemoryUnitOfWork
from apps.auth.infrastructure.memory.memory_user_repository import MemoryUserRepository
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import SqlAlchemyAuditLog
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_transaction_manager import (
    SqlAlchemyTransactionManager,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)
from apps.auth.infrastructure.persistence_postgres.standalone_sql_audit_log import (
    StandaloneSqlAuditLog,
)
from apps.auth.infrastructure.persistence_postgres.tables import login_audits


@dataclass(frozen=True)
class Unit:
    """The adapters of one request: they share one transaction."""

    users: UserRepository
    audit_log: AuditLog
    transaction: TransactionManager


class Storage(Protocol):
    def unit(self) -> AbstractAsyncContextManager[Unit]: ...

    def standalone_audit_log(self) -> AuditLog: ...

    async def committed_audits(self) -> list[LoginAudit]: ...


class PostgresStorage:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        async with self._factory() as session:
            yield Unit(
                users=SqlAlchemyUserRepository(session),
                audit_log=SqlAlchemyAuditLog(session),
                transaction=SqlAlchemyTransactionManager(session),
            )

    def standalone_audit_log(self) -> AuditLog:
        return StandaloneSqlAuditLog(self._factory)

    async def committed_audits(self) -> list[LoginAudit]:
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


class MemoryStorage:
    def __init__(self) -> None:
        self.store = MemoryStore()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[Unit]:
        work = MemoryUnitOfWork(self.store)
        try:
            yield Unit(
                users=MemoryUserRepository(work),
                audit_log=MemoryAuditLog(work),
                transaction=MemoryTransactionManager(work),
            )
        finally:
            work.rollback()

    def standalone_audit_log(self) -> AuditLog:
        return StandaloneMemoryAuditLog(self.store)

    async def committed_audits(self) -> list[LoginAudit]:
        return sorted(self.store.audits, key=lambda a: (a.occurred_at, a.id))
