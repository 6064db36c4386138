from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from apps.auth.infrastructure.persistence_postgres.errors import translate_errors


class SqlAlchemyTransactionManager:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @translate_errors
    async def commit(self) -> None:
        await self._session.commit()

    @translate_errors
    async def rollback(self) -> None:
        await self._session.rollback()
