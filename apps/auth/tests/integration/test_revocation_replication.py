"""Revocations reach a replica before they are answered; rotations do not wait; a primary
that refuses writes for want of replicas is unavailable, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from apps.auth.application.common.token_ports import RevocationRequest
from apps.auth.domain.token import Revocation
from apps.auth.domain.token_family import RotationOutcome
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.infrastructure.persistence_redis.replica_ack import (
    RedisReplicaAck,
    replica_wait_counter,
)
from apps.auth.tests.integration.redis_topology import RedisProcess, Topology
from apps.auth.tests.integration.replication import (
    counts,
    new_session,
    new_tokens,
    rotation,
)
from apps.auth.tests.support import API, bearer, dev_login, refresh_header


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
    acks = RedisReplicaAck(redis=primary, timeout_ms=1000, counter=counter)
    store = RedisRevocationStore(redis=primary, stream="test:acks", maxlen=1000, replica_ack=acks)
    revocation = _revocation(now)

    await store.revoke(RevocationRequest(revocations=[revocation]), now)

    assert await replica.exists(f"blacklist:{revocation.jti}") == 1
    assert counts(counter)["acknowledged"] == 1


async def test_only_a_rotation_that_ends_the_session_waits_when_refresh_is_reused(
    servers: Topology, client_of: Callable[[RedisProcess], Redis]
) -> None:
    counter, now = replica_wait_counter(), datetime.now(UTC)
    primary = client_of(servers.primary)
    acks = RedisReplicaAck(redis=primary, timeout_ms=1000, counter=counter)
    store = RedisSessionStore(redis=primary, stream="test:acks", maxlen=1000, replica_ack=acks)
    session = new_session(now)
    first = new_tokens(now)
    await store.open(session, first)

    rotated = await store.rotate(rotation(session.id, first.refresh_jti, now))
    after_rotation = counts(counter)["acknowledged"]
    reused = await store.rotate(rotation(session.id, first.refresh_jti, now))

    assert (rotated.outcome, reused.outcome) == (RotationOutcome.ROTATED, RotationOutcome.REUSE)
    assert (after_rotation, counts(counter)["acknowledged"]) == (0, 1)


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
