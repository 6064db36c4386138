from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# A pooled connection that has waited longer than this is tested before it is handed out.
PING_AFTER_IDLE_SECONDS = 2.0
_RETURNED_AT = "returned_at"


def create_engine(
    url: str,
    pool_size: int = 5,
    *,
    connect_timeout: float = 5,
    command_timeout: float = 10,
    pool_timeout: float = 5,
    ping_after_idle_seconds: float = PING_AFTER_IDLE_SECONDS,
) -> AsyncEngine:
    """An asyncpg engine that fails fast: a dead database must become a 503, not a hung request.

    A connection is tested with a ping when it is taken from the pool after waiting there
    longer than `ping_after_idle_seconds`; a dead one is replaced before anyone uses it (what
    SQLAlchemy's `pool_pre_ping` does on every checkout). One that came back more recently is
    handed out as it is: the asyncpg dialect's ping is three round trips (a transaction, an
    empty statement, a rollback) and would triple the cost of the one-statement checkouts of the
    hot paths. A connection that died in that short wait fails the statement it is given
    (`StorageUnavailable`, a 503) and is discarded: through SQLAlchemy, with every connection
    the pool held since; through `driver_connection`, alone.
    """
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout,
        pool_recycle=1800,
        connect_args={
            "timeout": connect_timeout,
            "command_timeout": command_timeout,
            "server_settings": {"application_name": "auth-api"},
        },
    )
    _ping_after_idle(engine, ping_after_idle_seconds)
    return engine


def _ping_after_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pool events (SQLAlchemy's documented checkout hook: raising `DisconnectionError` there
    makes the pool discard the connection and take another)."""
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    def returned(_connection: DBAPIConnection, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def taken(connection: DBAPIConnection, record: Any, _proxy: Any) -> None:
        returned_at = record.info.pop(_RETURNED_AT, None)
        if returned_at is None or time.monotonic() - returned_at <= idle_seconds:
            return  # just connected, or back in the pool moments ago
        try:
            dialect.do_ping(connection)
        except Exception as error:
            raise exc.DisconnectionError() from error

    event.listen(pool, "checkin", returned)
    event.listen(pool, "checkout", taken)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def driver_connection(engine: AsyncEngine) -> AsyncIterator[Any]:
    """asyncpg's own connection, out of the engine's pool for the block: for the statements
    the hot paths send without SQLAlchemy's statement layer (`COPY`, the existence query).
    A block that fails other than by the server's answer discards the connection."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        try:
            yield driver
        except (Exception, asyncio.CancelledError) as error:
            # SQLAlchemy never sees the driver's errors here, so a connection the server closed
            # would go back to the pool. Only an error the server answered (a constraint, a
            # statement it refused) leaves the connection known to be usable; after any other,
            # or a cancellation midway, it is discarded, and the next checkout connects afresh.
            if driver.is_closed() or not isinstance(error, asyncpg.PostgresError):
                await connection.invalidate()
            raise
