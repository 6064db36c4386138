from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.infrastructure.persistence_postgres.errors import translate_errors


class PostgresHealthProbe:
    """Readiness: a pooled connection answers `SELECT 1`; raises StorageUnavailable otherwise."""

    name = "postgres"

    def __init__(self, *, engine: AsyncEngine) -> None:
        self._engine = engine

    @translate_errors
    async def check(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
