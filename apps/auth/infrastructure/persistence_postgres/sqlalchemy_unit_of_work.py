from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Self

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import SqlAlchemyAuditLog
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)


class SqlAlchemyUnitOfWork:
    """One database session and transaction; rolled back and closed when the block ends."""

    users: SqlAlchemyUserRepository
    audit: SqlAlchemyAuditLog

    def __init__(self, *, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._factory()
        self.users = SqlAlchemyUserRepository(session=self._session)
        self.audit = SqlAlchemyAuditLog(session=self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        # A connection lost mid-transaction also fails its rollback; the error that ended the
        # block is the one worth reporting.
        with contextlib.suppress(SQLAlchemyError, OSError):
            await session.rollback()
        with contextlib.suppress(SQLAlchemyError, OSError):
            await session.close()

    @translate_errors
    async def commit(self) -> None:
        await self._active().commit()

    @translate_errors
    async def rollback(self) -> None:
        await self._active().rollback()

    def _active(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `async with` block")
        return self._session
