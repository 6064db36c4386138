from __future__ import annotations

import asyncio
import logging
import os
from logging.config import fileConfig

from alembic import context
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.infrastructure.persistence_postgres.tables import SCHEMA, VERSION_TABLE, metadata

config = context.config
logger = logging.getLogger("alembic.env")
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


def unknown_revisions(connection: Connection) -> list[str]:
    """Revisions the database holds that this image has never heard of (a newer release's)."""
    current = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "version_table_schema": SCHEMA}
    ).get_current_heads()
    script = ScriptDirectory.from_config(config)
    known = {revision.revision for revision in script.walk_revisions()}
    return [revision for revision in current if revision not in known]


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
    newer = unknown_revisions(connection)
    connection.rollback()
    if newer:
        # A rollback runs the previous image's migration Job against a schema that is already
        # ahead; migrations are expand-only, so that image works on it as it is.
        logger.warning("database schema %s is newer than this image; nothing to do", newer)
        return
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
