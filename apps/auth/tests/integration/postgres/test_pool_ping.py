"""When a pooled connection is tested before use (persistence_postgres/database.py): after it
waited in the pool longer than `ping_after_idle_seconds`, never when it came back moments ago.
Connections are killed at the server with `pg_terminate_backend`, as a restart or a failover
kills them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_postgres.database import (
    create_engine,
    driver_connection,
)
from apps.auth.infrastructure.persistence_postgres.errors import translate
from apps.auth.infrastructure.persistence_postgres.postgres_user_existence import (
    PostgresUserExistence,
)


def _counting_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    dialect = engine.sync_engine.dialect
    real: Callable[[Any], bool] = dialect.do_ping

    def counted(connection: Any) -> bool:
        pings.append(1)
        return real(connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def _backend(engine: AsyncEngine) -> int:
    async with driver_connection(engine) as driver:
        return int(await driver.fetchval("SELECT pg_backend_pid()"))


async def _kill(database_url: str, pid: int) -> None:
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


@pytest_asyncio.fixture
async def engines(pg_database_url: str) -> AsyncIterator[Callable[[float], AsyncEngine]]:
    made: list[AsyncEngine] = []

    def make(idle_seconds: float) -> AsyncEngine:
        engine = create_engine(pg_database_url, pool_size=1, ping_after_idle_seconds=idle_seconds)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.dispose()


async def test_a_connection_back_in_the_pool_moments_ago_is_not_pinged(
    engines: Callable[[float], AsyncEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engines(60.0)
    pings = _counting_pings(engine, monkeypatch)
    backends = {await _backend(engine) for _ in range(5)}
    assert len(backends) == 1, "one pooled connection serves every checkout"
    assert pings == []


async def test_a_connection_that_waited_longer_is_pinged_and_replaced_when_dead(
    engines: Callable[[float], AsyncEngine],
    pg_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = engines(0.05)
    pings = _counting_pings(engine, monkeypatch)
    first = await _backend(engine)
    await asyncio.sleep(0.2)
    assert await _backend(engine) == first and len(pings) == 1  # alive: kept
    await _kill(pg_database_url, first)
    await asyncio.sleep(0.2)
    exists = PostgresUserExistence(engine=engine)
    # The dead connection is found by the ping and replaced: the caller never sees it.
    assert await exists.exists(uuid.uuid4()) is False
    assert len(pings) == 2
    assert await _backend(engine) != first


async def test_a_connection_killed_moments_after_use_fails_one_statement_then_the_pool_recovers(
    engines: Callable[[float], AsyncEngine], pg_database_url: str
) -> None:
    engine = engines(60.0)
    first = await _backend(engine)
    await _kill(pg_database_url, first)
    exists = PostgresUserExistence(engine=engine)
    with pytest.raises(StorageUnavailable):
        await exists.exists(uuid.uuid4())
    assert await exists.exists(uuid.uuid4()) is False
    assert await _backend(engine) != first


def test_a_driver_whose_connection_state_broke_under_it_is_storage_unavailable() -> None:
    # What asyncpg raises when a statement is sent between the server ending the connection
    # and the driver reading that it ended (the race of the test above).
    broken = asyncpg.InternalClientError(
        "cannot switch to state 11; another operation (2) is in progress"
    )
    assert isinstance(translate(broken), StorageUnavailable)


async def test_a_statement_cancelled_midway_discards_its_connection(
    engines: Callable[[float], AsyncEngine],
) -> None:
    engine = engines(60.0)
    first = await _backend(engine)

    async def slow() -> None:
        async with driver_connection(engine) as driver:
            await driver.execute("SELECT pg_sleep(5)")

    task = asyncio.create_task(slow())
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The next checkout neither waits for the abandoned statement nor inherits its state.
    assert await _backend(engine) != first
