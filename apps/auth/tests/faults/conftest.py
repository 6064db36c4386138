from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.auth.tests.faults.postgres_server import ThrowawayPostgres
from apps.auth.tests.integration.redis_server import ThrowawayRedis
from apps.auth.tests.pg import migrate


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path / "redis")
    server.directory.mkdir()
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """One initdb per module, migrated to head; each test finds it running.

    Not under pytest's tmp_path: that tree is private to root, and the server runs as postgres.
    """
    directory = Path(tempfile.mkdtemp(prefix="auth-fault-pg-"))
    server = ThrowawayPostgres(directory)
    try:
        server.init()
        server.start()
        migrate(server.url)
        yield server
    finally:
        server.kill()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def running_postgres(throwaway_postgres: ThrowawayPostgres) -> ThrowawayPostgres:
    if throwaway_postgres.process is None:
        throwaway_postgres.start()
    return throwaway_postgres
