"""The migration Job's entry point meets v1's database: v1's own Alembic history ("0001" in
auth.alembic_version) is not mistaken for ours, so the Job upgrades instead of refusing."""

from __future__ import annotations

from apps.auth.infrastructure.persistence_postgres.tables import VERSION_TABLE
from apps.auth.setup import migrate as entry
from apps.auth.tests.cutover.v1_schema import V1_USERS, query, users_service_view
from apps.auth.tests.pg import run_in_thread


def _job(url: str) -> entry.Verdict:
    return run_in_thread(lambda: entry.migrate(entry.alembic_config(url)))


def test_job_upgrades_then_rests_when_run_on_v1_database(v1_database: str) -> None:
    before = users_service_view(v1_database)

    assert _job(v1_database) is entry.Verdict.BEHIND
    assert _job(v1_database) is entry.Verdict.AT_HEAD

    assert query(v1_database, "SELECT version_num FROM auth.alembic_version") == [("0001",)]
    assert query(v1_database, f"SELECT version_num FROM auth.{VERSION_TABLE}") == [
        ("0002_v2_expand",)
    ]
    assert users_service_view(v1_database) == before
    assert len(query(v1_database, "SELECT 1 FROM auth.users")) == len(V1_USERS)
