"""Throwaway Postgres databases for tests.

`pg_database_url` (session): a fresh `auth_test_<hex>` database migrated to head, dropped at the
end. `pg_engine` / `pg_session_factory` (function): an engine on it; the auth tables are
emptied before and after every test.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from alembic import command
from alembic.config import Config
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from apps.auth.infrastructure.persistence_postgres.database import (
    create_engine,
    create_session_factory,
)

ADMIN_URL_ENV = "AUTH_TEST_ADMIN_DATABASE_URL"
DEFAULT_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
TABLES = "auth.login_audits, auth.user_social_accounts, auth.users"

T = TypeVar("T")


def admin_url() -> str:
    return os.environ.get(ADMIN_URL_ENV, DEFAULT_ADMIN_URL)


def run_in_thread(function: Callable[[], T]) -> T:
    """Runs blocking work that starts its own event loop away from pytest-asyncio's loops."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=target, name="pg-fixture")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


def run_isolated(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return run_in_thread(lambda: asyncio.run(make()))


async def _admin(*statements: str) -> None:
    engine = create_async_engine(admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_database() -> str:
    name = f"auth_test_{secrets.token_hex(6)}"
    run_isolated(lambda: _admin(f'CREATE DATABASE "{name}"'))
    return make_url(admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    if not name or not name.startswith("auth_test_"):
        raise ValueError(f"refusing to drop {name!r}: not a test database")
    run_isolated(
        lambda: _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            f'DROP DATABASE IF EXISTS "{name}"',
        )
    )


@contextmanager
def throwaway_database() -> Iterator[str]:
    url = create_database()
    try:
        yield url
    finally:
        drop_database(url)


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    return config


def migrate(url: str, revision: str = "head") -> None:
    run_in_thread(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str = "base") -> None:
    run_in_thread(lambda: command.downgrade(alembic_config(url), revision))


async def truncate_tables(engine: AsyncEngine) -> None:
    """Empties the auth tables; a connection idle in a transaction is cut off, not waited for."""
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL lock_timeout = '1s'"))
            await connection.execute(text(f"TRUNCATE {TABLES}"))
    except DBAPIError:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            await connection.execute(text(f"TRUNCATE {TABLES}"))


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    with throwaway_database() as url:
        migrate(url)
        yield url


@pytest_asyncio.fixture
async def pg_engine(pg_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_database_url, pool_size=5)
    try:
        await truncate_tables(engine)
        yield engine
    finally:
        try:
            await truncate_tables(engine)
        finally:
            await engine.dispose()


@pytest.fixture
def pg_session_factory(pg_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(pg_engine)
