from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.infrastructure.persistence_postgres.database import driver_connection
from apps.auth.infrastructure.persistence_postgres.errors import translate_errors
from apps.auth.infrastructure.turn_batcher import TurnBatcher

# `tables.users` (auth.users, primary key `id`); a test holds the two together.
PRESENT_QUERY = "SELECT id FROM auth.users WHERE id = ANY($1::uuid[])"


class PostgresUserExistence:
    """Whether `auth.users` holds a user id: the questions of one event-loop turn answered by
    one indexed query on the driver's own connection, outside any transaction.

    A refresh asks this on nearly every call in production (a user refreshes every quarter of
    an hour; the answer is kept at most a minute), so it skips what loading the user through
    a unit of work costs (a transaction, the ORM and the user's identities), and the refreshes
    that reach this point together share one pooled connection and one round trip instead of
    taking a connection each.
    """

    def __init__(self, *, engine: AsyncEngine, max_batch: int = 256) -> None:
        self._engine = engine
        self._batcher: TurnBatcher[UUID, bool] = TurnBatcher(
            run=self._present_among, max_batch=max_batch
        )

    async def exists(self, user_id: UUID) -> bool:
        return await self._batcher.submit(user_id)

    @translate_errors
    async def _present_among(self, user_ids: list[UUID]) -> list[bool]:
        async with driver_connection(self._engine) as driver:
            rows = await driver.fetch(PRESENT_QUERY, list(set(user_ids)))
        present = {row[0] for row in rows}
        return [user_id in present for user_id in user_ids]
