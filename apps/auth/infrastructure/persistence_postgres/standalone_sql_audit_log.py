from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apps.auth.domain.audit import LoginAudit
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import audit_values
from apps.auth.infrastructure.persistence_postgres.tables import login_audits


class StandaloneSqlAuditLog:
    """Commits each record in its own short transaction, for paths with no other database work."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    @translate_errors
    async def record(self, audit: LoginAudit) -> None:
        async with self._session_factory() as session, session.begin():
            await session.execute(insert(login_audits).values(audit_values(audit)))
