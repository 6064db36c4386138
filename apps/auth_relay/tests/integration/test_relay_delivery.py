from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from apps.auth.infrastructure.persistence_redis.redis_revocation_store import (
    RedisRevocationStore,
)
from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.tests.events import event_fields, revocation
from apps.auth_relay.tests.integration.conftest import Inbox, Names, relay_settings
from apps.auth_relay.tests.integration.relay_running import running, sample, until
from apps.auth_relay.tests.integration.tcp_proxy import TcpProxy


@pytest.fixture
async def api_outbox(redis: Redis, names: Names) -> AsyncIterator[RedisRevocationStore]:
    """The API's own atomic writer: blacklist key and outbox event in one script."""
    store = RedisRevocationStore(redis=redis, stream=names.stream, maxlen=1_000_000)
    yield store
    async for key in redis.scan_iter(match=f"blacklist:{names.group}-*", count=1000):
        await redis.delete(key)


async def _logouts(store: RedisRevocationStore, names: Names, count: int) -> None:
    now = datetime.now(UTC)
    for start in range(0, count, 50):
        jtis = [f"{names.group}-{n}" for n in range(start, min(count, start + 50))]
        await store.revoke([revocation(jti, now=now) for jti in jtis], now)


async def _stream(redis: Redis, names: Names) -> dict[str, bytes]:
    return {i.decode(): f[b"event"] for i, f in await redis.xrange(names.stream)}


@contextlib.asynccontextmanager
async def _proxy(port: int) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.cut()


async def test_each_event_arrives_once_unchanged_when_two_replicas_relay_1000_logouts(
    redis: Redis, names: Names, inbox: Inbox, api_outbox: RedisRevocationStore
) -> None:
    await _logouts(api_outbox, names, 1000)
    written = await _stream(redis, names)
    quiet = {"claim_idle_seconds": 60}
    first = RelayApp(settings=relay_settings(names, **quiet))
    second = RelayApp(settings=relay_settings(names, **quiet))

    async with running(first), running(second):
        await inbox.wait_for(1000)
        await inbox.settle()

    assert len(written) == 1000
    assert Counter(inbox.message_ids()) == Counter(list(written))
    assert all(m.body == written[str(m.message_id)] for m in inbox.messages)
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def test_nothing_lost_when_the_broker_connection_is_cut_mid_run(
    redis: Redis, names: Names, inbox: Inbox
) -> None:
    async with _proxy(5672) as proxy:
        app = RelayApp(
            settings=relay_settings(names, amqp_url=f"amqp://guest:guest@127.0.0.1:{proxy.port}/")
        )
        before = [await redis.xadd(names.stream, event_fields()) for _ in range(200)]
        async with running(app):
            await inbox.wait_for(200)
            await proxy.cut()
            during = [await redis.xadd(names.stream, event_fields()) for _ in range(200)]
            await until(lambda: app.worker.state is WorkerState.BROKER_UNAVAILABLE)
            assert not await app.is_ready()
            await proxy.restore()
            await inbox.wait_for_ids({i.decode() for i in before + during})
            await until(lambda: app.worker.state is WorkerState.RELAYING)

    assert {i.decode() for i in before + during} == set(inbox.message_ids())


async def test_nothing_lost_when_redis_is_cut_mid_run(
    redis: Redis, names: Names, inbox: Inbox
) -> None:
    async with _proxy(6379) as proxy:
        app = RelayApp(
            settings=relay_settings(names, redis_url=f"redis://127.0.0.1:{proxy.port}/0")
        )
        written = [await redis.xadd(names.stream, event_fields()) for _ in range(100)]
        async with running(app):
            await inbox.wait_for(100)
            await proxy.cut()
            assert not await app.is_ready()
            written += [await redis.xadd(names.stream, event_fields()) for _ in range(100)]
            await until(lambda: app.worker.state is WorkerState.OUTBOX_UNAVAILABLE)
            await proxy.restore()
            await inbox.wait_for_ids({i.decode() for i in written})
            await until(lambda: app.worker.state is WorkerState.RELAYING)

    assert {i.decode() for i in written} == set(inbox.message_ids())


async def test_redelivered_by_another_consumer_when_a_worker_dies_before_acknowledging(
    redis: Redis, names: Names, inbox: Inbox
) -> None:
    written = {(await redis.xadd(names.stream, event_fields())).decode() for _ in range(50)}
    doomed = RelayApp(settings=relay_settings(names))

    async def die_before_ack(*_: object) -> None:
        await asyncio.Event().wait()

    doomed.source.settle = die_before_ack  # type: ignore[method-assign]
    doomed_run = asyncio.create_task(doomed.run(asyncio.Event()))
    await inbox.wait_for(50)
    doomed_run.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await doomed_run
    assert (await redis.xpending(names.stream, names.group))["pending"] == 50

    async with running(RelayApp(settings=relay_settings(names, claim_idle_seconds=0.3))):
        await inbox.wait_for(100)
        await inbox.settle()

    delivered = Counter(inbox.message_ids())
    assert set(delivered) == written
    assert all(count >= 2 for count in delivered.values())
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def test_malformed_entries_dead_lettered_when_surrounded_by_good_ones(
    redis: Redis, names: Names, inbox: Inbox
) -> None:
    good_1 = (await redis.xadd(names.stream, event_fields())).decode()
    bad_json = (await redis.xadd(names.stream, {"event": "{oops"})).decode()
    no_event = (await redis.xadd(names.stream, {"payload": "x"})).decode()
    good_2 = (await redis.xadd(names.stream, event_fields())).decode()
    app = RelayApp(settings=relay_settings(names))

    async with running(app):
        await inbox.wait_for(2)
        await until(
            lambda: sample(app, "relay_events_dead_lettered_total", reason="missing_event") == 1
        )

    dead = {
        f[b"entry_id"].decode(): f[b"reason"].decode() for _, f in await redis.xrange(names.dead)
    }
    assert inbox.message_ids() == [good_1, good_2]
    assert dead == {bad_json: "invalid_json", no_event: "missing_event"}
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0
