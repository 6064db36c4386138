"""The migration Job's entry point on real Postgres, one throwaway database per test.

A "newer image" is this image's migrations plus one expand-only revision on top of its head,
built in a temporary script directory, so no test names a revision id.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.setup import migrate as entry
from apps.auth.tests.pg import run_in_thread, throwaway_database

MIGRATIONS = Path(entry.__file__).resolve().parents[1] / "migrations"
REPO_ROOT = Path(entry.__file__).resolve().parents[3]
NEWER_REVISION = '''"""A column only the newer image knows."""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{parent}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("{column}", sa.Text(), nullable=True), schema="auth")


def downgrade() -> None:
    op.drop_column("users", "{column}", schema="auth")
'''


@pytest.fixture
def database() -> Iterator[str]:
    with throwaway_database() as url:
        yield url


def _query(url: str, sql: str) -> list[tuple]:
    async def run() -> list[tuple]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(sql))
                return [tuple(row) for row in result.all()] if result.returns_rows else []
        finally:
            await engine.dispose()

    return run_in_thread(lambda: asyncio.run(run()))


def _version(url: str) -> list[str]:
    return [row[0] for row in _query(url, "SELECT version_num FROM auth.alembic_version_v2")]


def _columns(url: str) -> set[str]:
    rows = _query(
        url,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'auth' AND table_name = 'users'",
    )
    return {row[0] for row in rows}


def _run(config: Config) -> entry.Verdict:
    return run_in_thread(lambda: entry.migrate(config))


def _head() -> str:
    return entry.image_chain(entry.alembic_config("postgresql+asyncpg://unused/x"))[-1]


def _newer_image(tmp_path: Path, url: str) -> tuple[Config, str, str]:
    """A copy of this image's migrations with one more revision on top of its head."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    suffix = uuid.uuid4().hex[:8]
    revision, column = f"newer_{suffix}", f"newer_column_{suffix}"
    (scripts / "versions" / f"{revision}.py").write_text(
        NEWER_REVISION.format(revision=revision, parent=_head(), column=column)
    )
    config = entry.alembic_config(url)
    config.set_main_option("script_location", str(scripts))
    return config, revision, column


def test_upgrades_to_head_and_records_lineage_when_database_is_empty(database):
    verdict = _run(entry.alembic_config(database))

    assert verdict is entry.Verdict.BEHIND
    assert _version(database) == [_head()]
    [(revision, lineage)] = _query(database, "SELECT revision, lineage FROM auth.schema_lineage")
    assert revision == _head() and lineage[-1] == _head()


def test_changes_nothing_when_database_is_at_head(database):
    _run(entry.alembic_config(database))
    before = _query(database, "SELECT revision, recorded_at FROM auth.schema_lineage")

    verdict = _run(entry.alembic_config(database))

    assert verdict is entry.Verdict.AT_HEAD
    assert _version(database) == [_head()]
    assert _query(database, "SELECT revision, recorded_at FROM auth.schema_lineage") == before


def test_upgrades_to_the_new_head_when_a_newer_image_finds_the_database_behind(database, tmp_path):
    _run(entry.alembic_config(database))
    newer, revision, column = _newer_image(tmp_path, database)

    verdict = _run(newer)

    assert verdict is entry.Verdict.BEHIND
    assert _version(database) == [revision]
    assert column in _columns(database)


def test_leaves_schema_alone_and_succeeds_when_a_rollback_finds_it_ahead(database, tmp_path):
    newer, revision, column = _newer_image(tmp_path, database)
    _run(newer)

    verdict = _run(entry.alembic_config(database))

    assert verdict is entry.Verdict.AHEAD
    assert _version(database) == [revision]
    assert column in _columns(database)


def test_refuses_and_changes_nothing_when_revision_is_unknown_without_lineage(database):
    _run(entry.alembic_config(database))
    _query(database, "UPDATE auth.alembic_version_v2 SET version_num = 'foreign_0001'")
    columns = _columns(database)

    verdict = _run(entry.alembic_config(database))

    assert verdict is entry.Verdict.UNKNOWN
    assert _version(database) == ["foreign_0001"]
    assert _columns(database) == columns


def test_refuses_when_the_recorded_lineage_does_not_pass_through_this_head(database):
    _run(entry.alembic_config(database))
    _query(database, "UPDATE auth.alembic_version_v2 SET version_num = 'branch_b'")
    _query(
        database,
        "INSERT INTO auth.schema_lineage (revision, lineage) "
        "VALUES ('branch_b', ARRAY['other_base', 'branch_b'])",
    )

    assert _run(entry.alembic_config(database)) is entry.Verdict.UNKNOWN
    assert _version(database) == ["branch_b"]


@pytest.mark.parametrize(
    ("chain", "current", "lineages", "expected"),
    [
        (["a", "b"], [], {}, entry.Verdict.BEHIND),
        (["a", "b"], ["a"], {}, entry.Verdict.BEHIND),
        (["a", "b"], ["b"], {}, entry.Verdict.AT_HEAD),
        (["a", "b"], ["c"], {"c": ["a", "b", "c"]}, entry.Verdict.AHEAD),
        (["a", "b"], ["c"], {}, entry.Verdict.UNKNOWN),
        (["a", "b"], ["c"], {"c": ["a", "c"]}, entry.Verdict.UNKNOWN),
        (["a", "b"], ["b", "x"], {}, entry.Verdict.UNKNOWN),
    ],
)
def test_decision_table_when_comparing_database_and_image(chain, current, lineages, expected):
    assert entry.decide(chain, current, lineages) is expected


def _cli(url: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "AUTH_DATABASE_URL"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    if url:
        env["AUTH_DATABASE_URL"] = url
    command = [sys.executable, "-m", "apps.auth.setup.migrate"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def _log_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_job_command_exits_zero_with_a_warning_when_schema_is_ahead(database, tmp_path):
    newer, revision, _ = _newer_image(tmp_path, database)
    _run(newer)

    result = _cli(database)

    assert result.returncode == 0, result.stderr
    [line] = [entry for entry in _log_lines(result.stdout) if entry["level"] == "WARNING"]
    assert "ahead" in line["message"]
    assert line["database_revisions"] == [revision]
    assert _version(database) == [revision]


def test_job_command_exits_one_when_schema_is_unknown(database):
    _run(entry.alembic_config(database))
    _query(database, "UPDATE auth.alembic_version_v2 SET version_num = 'foreign_0001'")

    result = _cli(database)

    assert result.returncode == 1
    assert any(line["level"] == "ERROR" for line in _log_lines(result.stdout))


def test_job_command_exits_two_when_no_database_url_is_set():
    result = _cli(None)

    assert result.returncode == 2
    assert "AUTH_DATABASE_URL" in result.stdout
