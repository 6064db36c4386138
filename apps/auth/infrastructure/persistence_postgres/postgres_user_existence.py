from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.infrastructure.persistence_postgres.database import driver_connection
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors

# `tables.users` (auth.users, primary key `id`); a test holds the two together.
EXISTS_QUERY = "SELECT EXISTS (SELECT 1 FROM auth.users WHERE id = $1)"


class PostgresUserExistence:
    """Whether `auth.users` holds a user id: one indexed `SELECT EXISTS` on the driver's own
    connection, outside any transaction.

    A refresh asks this on nearly every call in production (a user refreshes every quarter of
    an hour; the answer is kept at most a minute), so it skips what loading the user through
    a unit of work costs: a transaction, the ORM and the user's identities.
    """

    def __init__(self, *, engine: AsyncEngine) -> None:
        self._engine = engine

    @translate_errors
    async def exists(self, user_id: UUID) -> bool:
        async with driver_connection(self._engine) as driver:
            return bool(await driver.fetchval(EXISTS_QUERY, user_id))
