"""RedisReplicaAck against a real primary and replica: when it waits, what it counts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from redis.asyncio import Redis

from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_redis.replica_ack import (
    RedisReplicaAck,
    replica_wait_counter,
)
from apps.auth.tests.integration.redis_topology import RedisProcess, Topology
from apps.auth.tests.integration.replication import (
    CommandCounts,
    FakeMonotonic,
    counts,
)


async def test_wait_is_skipped_and_counted_when_the_primary_has_no_replica(
    lone_primary: RedisProcess, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, clock, calls = replica_wait_counter(), FakeMonotonic(), CommandCounts(lone_primary)
    acks = RedisReplicaAck(
        redis=client_of(lone_primary), timeout_ms=500, counter=counter, monotonic=clock
    )

    results = [await acks.wait(), await acks.wait()]
    clock.now += 5.0
    results.append(await acks.wait())

    assert results == [False, False, False]
    assert counts(counter) == {"acknowledged": 0, "unacknowledged": 0, "no_replica": 3}
    assert calls("info") == 2, "INFO is read once per five seconds"
    assert calls("wait") == 0


async def test_wait_is_acknowledged_when_the_replica_is_in_sync(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter = replica_wait_counter()
    acks = RedisReplicaAck(redis=client_of(servers.primary), timeout_ms=1000, counter=counter)

    assert await acks.wait() is True

    assert counts(counter) == {"acknowledged": 1, "unacknowledged": 0, "no_replica": 0}


async def test_wait_times_out_warns_and_rereads_replicas_when_the_replica_is_stalled(
    servers: Topology,
    client_of: Callable[[RedisProcess], Redis],
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter, replica, calls = (
        replica_wait_counter(),
        servers.replica,
        CommandCounts(servers.primary),
    )
    acks = RedisReplicaAck(
        redis=client_of(servers.primary), timeout_ms=100, counter=counter, monotonic=FakeMonotonic()
    )
    assert replica is not None and await acks.wait() is True
    replica.pause()
    try:
        with caplog.at_level(logging.WARNING, logger="auth.redis"):
            stalled = await acks.wait()
        infos = calls("info")
        await acks.wait()
    finally:
        replica.resume()

    assert stalled is False
    assert counts(counter) == {"acknowledged": 1, "unacknowledged": 2, "no_replica": 0}
    assert "not acknowledged by a replica within 100 ms" in caplog.text
    assert calls("info") == infos + 1, "a timeout re-reads INFO at once"


async def test_wait_does_nothing_when_disabled_by_a_zero_timeout(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, calls = replica_wait_counter(), CommandCounts(servers.primary)
    acks = RedisReplicaAck(redis=client_of(servers.primary), timeout_ms=0, counter=counter)

    assert await acks.wait() is False

    assert counts(counter) == {"acknowledged": 0, "unacknowledged": 0, "no_replica": 0}
    assert calls("info") == 0 and calls("wait") == 0


async def test_wait_fails_closed_when_the_primary_dies_before_the_acknowledgement(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    acks = RedisReplicaAck(
        redis=client_of(servers.primary), timeout_ms=500, counter=replica_wait_counter()
    )
    assert await acks.wait() is True
    servers.primary.kill()

    with pytest.raises(StorageUnavailable):
        await acks.wait()


async def test_revocations_of_one_turn_share_one_wait_when_written_concurrently(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter = replica_wait_counter()
    acks = RedisReplicaAck(redis=client_of(servers.primary), timeout_ms=1000, counter=counter)
    assert await acks.wait() is True
    calls = CommandCounts(servers.primary)

    results = await asyncio.gather(*(acks.wait() for _ in range(20)))

    assert results == [True] * 20
    assert counts(counter)["acknowledged"] == 21
    assert calls("wait") == 1
