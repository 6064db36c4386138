from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.infrastructure.persistence_postgres.tables import SCHEMA, VERSION_TABLE, metadata
from apps.auth.tests.cutover.v1_schema import auth_tables, constraints, query
from apps.auth.tests.pg import (
    ALEMBIC_INI,
    downgrade,
    migrate,
    run_isolated,
    throwaway_database,
)

TABLES = ["login_audits", "user_social_accounts", "users"]


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    with throwaway_database() as url:
        yield url


def schema_differences(url: str) -> list[object]:
    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _: (
                    name == SCHEMA if type_ == "schema" else True
                ),
                "version_table": VERSION_TABLE,
                "version_table_schema": SCHEMA,
                "compare_type": True,
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


def test_v1_tables_and_constraints_exist_when_empty_database_upgraded(
    empty_database_url: str,
) -> None:
    migrate(empty_database_url)

    assert auth_tables(empty_database_url) == TABLES
    defined = constraints(empty_database_url)
    assert ("uq_user_social_accounts_identity", "UNIQUE (provider, provider_user_id)") in defined
    assert (
        "fk_auth_social_user",
        "FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE",
    ) in defined
    assert not any(d.startswith("FOREIGN KEY") for n, d in defined if "audit" in n)
    indexes = {name for (name,) in query(empty_database_url, "SELECT indexname FROM pg_indexes")}
    assert {"idx_auth_social_user_id", "idx_login_audits_user_id"} <= indexes
    versions = query(empty_database_url, f"SELECT version_num FROM {SCHEMA}.{VERSION_TABLE}")
    assert versions == [("0002_v2_expand",)]


def test_no_difference_found_when_migrated_schema_compared_with_tables(
    empty_database_url: str,
) -> None:
    migrate(empty_database_url)

    assert schema_differences(empty_database_url) == []


def test_nothing_changes_when_head_migrated_again(empty_database_url: str) -> None:
    migrate(empty_database_url)
    before = constraints(empty_database_url)

    migrate(empty_database_url)

    assert constraints(empty_database_url) == before
    assert auth_tables(empty_database_url) == TABLES


def test_downgrade_refused_and_tables_kept_when_asked_to_go_back(empty_database_url: str) -> None:
    migrate(empty_database_url)

    with pytest.raises(RuntimeError, match="expand-only"):
        downgrade(empty_database_url, "base")

    assert auth_tables(empty_database_url) == TABLES
    versions = query(empty_database_url, f"SELECT version_num FROM {SCHEMA}.{VERSION_TABLE}")
    assert versions == [("0002_v2_expand",)]


def test_migration_refused_when_database_holds_earlier_v2_layout(empty_database_url: str) -> None:
    query(empty_database_url, "CREATE SCHEMA auth")
    query(empty_database_url, "CREATE TABLE auth.social_accounts (id uuid PRIMARY KEY)")

    with pytest.raises(RuntimeError, match="earlier v2 layout"):
        migrate(empty_database_url)

    assert auth_tables(empty_database_url) == ["social_accounts"]


def test_both_succeed_once_when_two_migrations_run_at_the_same_time(
    empty_database_url: str,
) -> None:
    # Separate processes: Alembic's context is global to a process.
    command = [sys.executable, "-m", "alembic", "-c", str(ALEMBIC_INI), "upgrade", "head"]
    env = {**os.environ, "AUTH_DATABASE_URL": empty_database_url}
    runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [(run.wait(timeout=120), run.stderr.read() if run.stderr else b"") for run in runs]

    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert auth_tables(empty_database_url) == TABLES
    versions = query(empty_database_url, f"SELECT version_num FROM {SCHEMA}.{VERSION_TABLE}")
    assert versions == [("0002_v2_expand",)]
