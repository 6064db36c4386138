from __future__ import annotations

from uuid import uuid4

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from apps.auth.infrastructure.persistence_postgres.tables import users
from apps.auth.tests.contract.builders import T0
from apps.auth.tests.pg import truncate_tables


async def test_tables_emptied_when_a_connection_is_left_idle_in_transaction(
    pg_database_url: str, pg_engine: AsyncEngine
) -> None:
    leaked = create_async_engine(pg_database_url)
    connection = await leaked.connect()
    try:
        await connection.execute(users.insert().values(id=uuid4(), created_at=T0, updated_at=T0))
        await connection.commit()
        await connection.execute(text("LOCK TABLE auth.users IN ROW EXCLUSIVE MODE"))

        await truncate_tables(pg_engine)

        async with pg_engine.connect() as check:
            assert await check.scalar(select(func.count()).select_from(users)) == 0
    finally:
        await connection.invalidate()
        await connection.close()
        await leaked.dispose()
