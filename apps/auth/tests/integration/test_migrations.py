from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.infrastructure.persistence_postgres.tables import SCHEMA, metadata
from apps.auth.tests.pg import downgrade, migrate, run_isolated, throwaway_database

TABLES = ["login_audits", "social_accounts", "users"]


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    with throwaway_database() as url:
        yield url


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return [tuple(r) for r in await connection.execute(text(sql))]
        finally:
            await engine.dispose()

    return run_isolated(run)


def auth_tables(url: str) -> list[str]:
    rows = query(
        url,
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{SCHEMA}' "
        "AND table_name <> 'alembic_version' ORDER BY table_name",
    )
    return [name for (name,) in rows]


def constraints(url: str) -> set[tuple[str, str]]:
    rows = query(
        url,
        "SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
        f"JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = '{SCHEMA}'",
    )
    return {(name, definition) for name, definition in rows}


def schema_differences(url: str) -> list[object]:
    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _: (
                    name == SCHEMA if type_ == "schema" else True
                ),
                "version_table_schema": SCHEMA,
            },
        )
        return list(compare_metadata(context, metadata))

    async def run() -> list[object]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    return run_isolated(run)


def test_tables_and_constraints_exist_when_empty_database_upgraded(empty_database_url: str) -> None:
    migrate(empty_database_url)

    assert auth_tables(empty_database_url) == TABLES
    defined = constraints(empty_database_url)
    assert ("uq_social_accounts_provider_user", "UNIQUE (provider, provider_user_id)") in defined
    assert (
        "fk_social_accounts_user_id_users",
        "FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE",
    ) in defined
    assert not any(d.startswith("FOREIGN KEY") for n, d in defined if "login_audits" in n)
    indexes = {name for (name,) in query(empty_database_url, "SELECT indexname FROM pg_indexes")}
    assert {"ix_social_accounts_user_id", "ix_login_audits_user_id_occurred_at"} <= indexes
    versions = query(empty_database_url, f"SELECT version_num FROM {SCHEMA}.alembic_version")
    assert versions == [("0001_initial",)]


def test_no_difference_found_when_migrated_schema_compared_with_tables(
    empty_database_url: str,
) -> None:
    migrate(empty_database_url)

    assert schema_differences(empty_database_url) == []


def test_tables_gone_and_back_when_downgraded_to_base_and_upgraded_again(
    empty_database_url: str,
) -> None:
    migrate(empty_database_url)

    downgrade(empty_database_url, "base")
    assert auth_tables(empty_database_url) == []
    assert query(empty_database_url, f"SELECT version_num FROM {SCHEMA}.alembic_version") == []

    migrate(empty_database_url)
    assert auth_tables(empty_database_url) == TABLES
