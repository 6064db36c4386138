"""`PostgresUserExistence` answers the questions of one event-loop turn with one query on one
pooled connection, each caller getting the answer about its own user."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_postgres.database import create_engine
from apps.auth.infrastructure.persistence_postgres.postgres_user_existence import (
    PostgresUserExistence,
)
from apps.auth.infrastructure.persistence_postgres.tables import users


def _counting_checkouts(engine: AsyncEngine) -> list[int]:
    checkouts: list[int] = []

    def taken(*_: Any) -> None:
        checkouts.append(1)

    event.listen(engine.sync_engine.pool, "checkout", taken)
    return checkouts


async def test_questions_asked_together_share_one_connection_and_get_their_own_answers(
    pg_engine: AsyncEngine,
) -> None:
    present = [uuid.uuid4() for _ in range(5)]
    async with pg_engine.begin() as connection:
        await connection.execute(insert(users), [{"id": user_id} for user_id in present])
    absent = [uuid.uuid4() for _ in range(5)]
    asked = [present[0], absent[0], *present, present[0], *absent]
    existence = PostgresUserExistence(engine=pg_engine)
    checkouts = _counting_checkouts(pg_engine)

    answers = await asyncio.gather(*(existence.exists(user_id) for user_id in asked))

    assert answers == [user_id in present for user_id in asked]
    assert len(checkouts) == 1


async def test_questions_beyond_the_batch_size_go_out_in_several_queries(
    pg_engine: AsyncEngine,
) -> None:
    existence = PostgresUserExistence(engine=pg_engine, max_batch=4)
    checkouts = _counting_checkouts(pg_engine)
    answers = await asyncio.gather(*(existence.exists(uuid.uuid4()) for _ in range(10)))
    assert answers == [False] * 10
    assert len(checkouts) == 3


async def test_an_unreachable_database_fails_every_question_of_the_batch_as_unavailable() -> None:
    dead = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none", connect_timeout=1)
    try:
        existence = PostgresUserExistence(engine=dead)
        results = await asyncio.gather(
            *(existence.exists(uuid.uuid4()) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(result, StorageUnavailable) for result in results), results
    finally:
        await dead.dispose()
