"""Redis servers of a test's own: a primary with its replica, or a primary alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from apps.auth.tests.integration.redis_topology import RedisProcess, Topology


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Topology]:
    """A primary and one replica in sync, no Sentinel."""
    topology = Topology(tmp_path / "redis")
    topology.primary.start()
    topology.start_replica()
    try:
        yield topology
    finally:
        topology.kill()


@pytest.fixture
def lone_primary(tmp_path: Path) -> Iterator[RedisProcess]:
    primary = RedisProcess(tmp_path / "lone")
    primary.start()
    try:
        yield primary
    finally:
        primary.kill()


@pytest_asyncio.fixture
async def client_of() -> AsyncIterator[Callable[[RedisProcess], Redis]]:
    opened: list[Redis] = []

    def open_client(server: RedisProcess) -> Redis:
        opened.append(Redis(port=server.port, socket_timeout=2.0))
        return opened[-1]

    yield open_client
    for client in opened:
        await client.aclose()
