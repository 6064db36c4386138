from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.infrastructure.persistence_postgres.tables import SCHEMA, VERSION_TABLE, metadata

config = context.config
MIGRATION_LOCK = "eco2-auth-v2-migrations"

# Callers running migrations inside their own process (the test fixtures) keep their logging.
if config.config_file_name and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("AUTH_DATABASE_URL")
    if not url:
        raise RuntimeError("set AUTH_DATABASE_URL, e.g. postgresql+asyncpg://user@host:5432/db")
    return str(url)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return name == SCHEMA if type_ == "schema" else True


def run_migrations(connection: Connection) -> None:
    """Two runs at once (the sync hook and a manual run) take turns; the second has no work."""
    connection.execute(text(f"SELECT pg_advisory_lock(hashtext('{MIGRATION_LOCK}'))"))
    connection.commit()
    try:
        run_locked(connection)
    finally:
        connection.rollback()
        connection.execute(text(f"SELECT pg_advisory_unlock(hashtext('{MIGRATION_LOCK}'))"))
        connection.commit()


def run_locked(connection: Connection) -> None:
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    connection.commit()
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        version_table_schema=SCHEMA,
        include_schemas=True,
        include_name=include_name,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(database_url(), connect_args={"timeout": 10})
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        version_table_schema=SCHEMA,
        include_schemas=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
