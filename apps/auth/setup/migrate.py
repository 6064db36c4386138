"""Migration Job entry point: `python -m apps.auth.setup.migrate`.

Brings the database to this image's Alembic head without ever blocking a rollback:

- no revision yet, or a revision this image knows that is behind its head: upgrade to head;
- at head: nothing to do;
- *ahead*: a revision this image does not know, recorded in `auth.schema_lineage` by a newer
  image as a descendant of this image's head. Migrations are expand-only while two releases
  run, so this image works on that schema: exit 0 with a warning;
- *unknown*: any other revision this image does not know (no lineage recorded, or one that does
  not pass through this image's head: another project's version table, an unmerged branch).
  Nothing is touched and the exit status is 1, so the sync stops before new pods start.

Every successful run records the image's chain (base .. head) under its head revision, which is
how an older image later recognises the database as ahead. No revision id is named here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.infrastructure.persistence_postgres.tables import SCHEMA, VERSION_TABLE
from apps.auth.setup.logging import configure_logging

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
LINEAGE_TABLE = "schema_lineage"
_CREATE_LINEAGE = (
    "CREATE TABLE IF NOT EXISTS auth.schema_lineage (revision text PRIMARY KEY, "
    "lineage text[] NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())"
)
_INSERT_LINEAGE = (
    "INSERT INTO auth.schema_lineage (revision, lineage) VALUES (:head, :chain) "
    "ON CONFLICT (revision) DO NOTHING"
)
_SELECT_LINEAGE = "SELECT revision, lineage FROM auth.schema_lineage WHERE revision = ANY(:r)"
logger = logging.getLogger("auth.migrate")
T = TypeVar("T")


class Verdict(StrEnum):
    BEHIND = "behind"
    AT_HEAD = "at_head"
    AHEAD = "ahead"
    UNKNOWN = "unknown"


def decide(
    chain: Sequence[str], current: Sequence[str], lineages: Mapping[str, Sequence[str]]
) -> Verdict:
    """Where the database stands relative to an image whose revisions are `chain`."""
    head = chain[-1]
    if list(current) == [head]:
        return Verdict.AT_HEAD
    if all(revision in chain for revision in current):
        return Verdict.BEHIND
    if all(revision in chain or head in lineages.get(revision, ()) for revision in current):
        return Verdict.AHEAD
    return Verdict.UNKNOWN


def image_chain(config: Config) -> list[str]:
    """The image's revisions from base to its single head."""
    script = ScriptDirectory.from_config(config)
    script.get_current_head()  # raises when the image has several heads
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _read_state(connection: Connection) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    context = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE, "version_table_schema": SCHEMA}
    )
    current = tuple(context.get_current_heads())
    if not current or not inspect(connection).has_table(LINEAGE_TABLE, schema=SCHEMA):
        return current, {}
    rows = connection.execute(text(_SELECT_LINEAGE), {"r": list(current)})
    return current, {row.revision: tuple(row.lineage) for row in rows}


def _record_lineage(connection: Connection, chain: list[str]) -> None:
    connection.execute(text("CREATE SCHEMA IF NOT EXISTS auth"))
    connection.execute(text(_CREATE_LINEAGE))
    connection.execute(text(_INSERT_LINEAGE), {"head": chain[-1], "chain": chain})


async def _with_connection(url: str, work: Callable[[Connection], T]) -> T:
    engine = create_async_engine(url, connect_args={"timeout": 10})
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def alembic_config(url: str, config_file: Path = ALEMBIC_INI) -> Config:
    config = Config(str(config_file))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    return config


def migrate(config: Config) -> Verdict:
    """Runs the decision above against the database `config` points at."""
    url = str(config.attributes["database_url"])
    chain = image_chain(config)
    current, lineages = asyncio.run(_with_connection(url, _read_state))
    verdict = decide(chain, current, lineages)
    found = {"database_revisions": list(current), "image_head": chain[-1]}
    if verdict is Verdict.UNKNOWN:
        logger.error("schema revision unknown to this image; nothing changed", extra=found)
        return verdict
    if verdict is Verdict.AHEAD:
        logger.warning("schema is ahead of this image; leaving it as it is", extra=found)
        return verdict
    if verdict is Verdict.BEHIND:
        logger.info("upgrading schema to this image's head", extra=found)
        command.upgrade(config, "head")
    else:
        logger.info("schema already at this image's head", extra=found)
    asyncio.run(_with_connection(url, lambda c: _record_lineage(c, chain)))
    return verdict


def main() -> int:
    configure_logging(
        os.environ.get("AUTH_LOG_LEVEL", "INFO"),
        "auth-api-migrate",
        os.environ.get("RELEASE_TYPE", "stable"),
    )
    url = os.environ.get("AUTH_DATABASE_URL")
    if not url:
        logger.error("AUTH_DATABASE_URL is not set")
        return 2
    return 1 if migrate(alembic_config(url)) is Verdict.UNKNOWN else 0


if __name__ == "__main__":
    sys.exit(main())
