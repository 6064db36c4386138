"""Replica acknowledgement of revocations, against a real primary and replica."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from prometheus_client import Counter
from redis.asyncio import Redis

from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RotationRequest,
    SessionTokens,
)
from apps.auth.domain.errors import StorageUnavailable
from apps.auth.domain.session import ClientInfo, Session
from apps.auth.domain.token import Revocation
from apps.auth.domain.token_family import Presented, RotationOutcome
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.infrastructure.persistence_redis.replica_ack import (
    RedisReplicaAck,
    replica_wait_counter,
)
from apps.auth.tests.integration.redis_topology import RedisProcess, Topology
from apps.auth.tests.support import API, bearer, dev_login, refresh_header


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Topology]:
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


def _counts(counter: Counter) -> dict[str, float]:
    return {
        sample.labels["result"]: sample.value
        for metric in counter.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


class CommandCounts:
    """Calls per command since the test began, not counting the INFO this helper sends."""

    def __init__(self, server: RedisProcess) -> None:
        self._server = server
        self._reads = 0
        with server.client() as client:
            client.config_resetstat()

    def __call__(self, command: str) -> int:
        stats = self._server.info("commandstats").get(f"cmdstat_{command}")
        own = self._reads if command == "info" else 0
        self._reads += 1
        return (int(stats["calls"]) if stats else 0) - own


async def test_wait_is_skipped_and_counted_when_the_primary_has_no_replica(
    lone_primary: RedisProcess, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, clock, calls = replica_wait_counter(), FakeMonotonic(), CommandCounts(lone_primary)
    acks = RedisReplicaAck(
        client_of(lone_primary), timeout_ms=500, counter=counter, monotonic=clock
    )

    results = [await acks.wait(), await acks.wait()]
    clock.now += 5.0
    results.append(await acks.wait())

    assert results == [False, False, False]
    assert _counts(counter) == {"acknowledged": 0, "unacknowledged": 0, "no_replica": 3}
    assert calls("info") == 2, "INFO is read once per five seconds"
    assert calls("wait") == 0


async def test_wait_is_acknowledged_when_the_replica_is_in_sync(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter = replica_wait_counter()
    acks = RedisReplicaAck(client_of(servers.primary), timeout_ms=1000, counter=counter)

    assert await acks.wait() is True

    assert _counts(counter) == {"acknowledged": 1, "unacknowledged": 0, "no_replica": 0}


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
        client_of(servers.primary), timeout_ms=100, counter=counter, monotonic=FakeMonotonic()
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
    assert _counts(counter) == {"acknowledged": 1, "unacknowledged": 2, "no_replica": 0}
    assert "not acknowledged by a replica within 100 ms" in caplog.text
    assert calls("info") == infos + 1, "a timeout re-reads INFO at once"


async def test_wait_does_nothing_when_disabled_by_a_zero_timeout(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, calls = replica_wait_counter(), CommandCounts(servers.primary)
    acks = RedisReplicaAck(client_of(servers.primary), timeout_ms=0, counter=counter)

    assert await acks.wait() is False

    assert _counts(counter) == {"acknowledged": 0, "unacknowledged": 0, "no_replica": 0}
    assert calls("info") == 0 and calls("wait") == 0


async def test_wait_fails_closed_when_the_primary_dies_before_the_acknowledgement(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    acks = RedisReplicaAck(
        client_of(servers.primary), timeout_ms=500, counter=replica_wait_counter()
    )
    assert await acks.wait() is True
    servers.primary.kill()

    with pytest.raises(StorageUnavailable):
        await acks.wait()


async def test_revocations_of_one_turn_share_one_wait_when_written_concurrently(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter = replica_wait_counter()
    acks = RedisReplicaAck(client_of(servers.primary), timeout_ms=1000, counter=counter)
    assert await acks.wait() is True
    calls = CommandCounts(servers.primary)

    results = await asyncio.gather(*(acks.wait() for _ in range(20)))

    assert results == [True] * 20
    assert _counts(counter)["acknowledged"] == 21
    assert calls("wait") == 1


def _revocation(now: datetime) -> Revocation:
    return Revocation(
        jti=uuid.uuid4().hex,
        user_id=uuid.uuid4(),
        expires_at=now + timedelta(minutes=15),
        reason="logout",
    )


async def test_a_revocation_is_on_the_replica_when_revoke_returns(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, now = replica_wait_counter(), datetime.now(UTC)
    assert servers.replica is not None
    primary, replica = client_of(servers.primary), client_of(servers.replica)
    acks = RedisReplicaAck(primary, timeout_ms=1000, counter=counter)
    store = RedisRevocationStore(primary, stream="test:acks", maxlen=1000, replica_ack=acks)
    revocation = _revocation(now)

    await store.revoke(RevocationRequest(revocations=[revocation]), now)

    assert await replica.exists(f"blacklist:{revocation.jti}") == 1
    assert _counts(counter)["acknowledged"] == 1


def _rotation(session_id: str, presented: str, now: datetime) -> RotationRequest:
    return RotationRequest(
        session_id=session_id,
        presented=Presented(refresh_jti=presented, client="client-a"),
        presented_token="presented-token",
        tokens=_tokens(now),
        successor=None,
        now=now,
        grace_seconds=0,
    )


def _tokens(now: datetime) -> SessionTokens:
    return SessionTokens(
        access_jti=uuid.uuid4().hex,
        access_expires_at=now + timedelta(minutes=15),
        refresh_jti=uuid.uuid4().hex,
        refresh_expires_at=now + timedelta(days=14),
    )


async def test_only_a_rotation_that_ends_the_session_waits_when_refresh_is_reused(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, now = replica_wait_counter(), datetime.now(UTC)
    primary = client_of(servers.primary)
    acks = RedisReplicaAck(primary, timeout_ms=1000, counter=counter)
    store = RedisSessionStore(primary, stream="test:acks", maxlen=1000, replica_ack=acks)
    session = Session(
        id=uuid.uuid4().hex,
        user_id=uuid.uuid4(),
        provider="dev",
        client=ClientInfo(ip=None, user_agent=None, device_id=None),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=30),
    )
    first = _tokens(now)
    await store.open(session, first)

    rotated = await store.rotate(_rotation(session.id, first.refresh_jti, now))
    after_rotation = _counts(counter)["acknowledged"]
    reused = await store.rotate(_rotation(session.id, first.refresh_jti, now))

    assert (rotated.outcome, reused.outcome) == (RotationOutcome.ROTATED, RotationOutcome.REUSE)
    assert (after_rotation, _counts(counter)["acknowledged"]) == (0, 1)


async def test_metrics_expose_replica_waits_when_a_logout_is_written(
    app_factory: Callable[..., Any],
) -> None:
    async with app_factory() as t:
        logged = await dev_login(t.client)
        logout = await t.client.post(f"{API}/logout", headers=bearer(logged.access))
        metrics = await t.client.get("/metrics")

    assert logout.status_code == 200
    lines = metrics.text.splitlines()
    assert 'auth_redis_replica_waits_total{result="no_replica"} 1.0' in lines
    assert 'auth_redis_replica_waits_total{result="acknowledged"} 0.0' in lines


async def test_writes_answer_503_not_500_when_the_primary_has_too_few_replicas_to_write(
    app_factory: Callable[..., Any], lone_primary: RedisProcess
) -> None:
    url = f"redis://127.0.0.1:{lone_primary.port}/0"
    async with app_factory(redis_url=url) as t:
        logged = await dev_login(t.client)
        with lone_primary.client() as admin:
            admin.config_set("min-replicas-to-write", 1)
        t.client.cookies.clear()

        refused = [
            await t.client.post(f"{API}/logout", headers=bearer(logged.access)),
            await t.client.post(f"{API}/refresh", headers=refresh_header(logged.refresh)),
            await t.client.get(f"{API}/dev/authorize"),
        ]
        still_valid = await t.client.get(f"{API}/verify", headers=bearer(logged.access))
        with lone_primary.client() as admin:
            admin.config_set("min-replicas-to-write", 0)
        logout = await t.client.post(f"{API}/logout", headers=bearer(logged.access))
        revoked = await t.client.get(f"{API}/verify", headers=bearer(logged.access))

    assert [r.status_code for r in refused] == [503, 503, 503]
    assert {r.json()["code"] for r in refused} == {"STORAGE_UNAVAILABLE"}
    assert still_valid.status_code == 200, "logout was refused, so the token still works"
    assert (logout.status_code, revoked.status_code) == (200, 403)
