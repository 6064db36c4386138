from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage
from redis.asyncio import Redis

from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.tests.events import event_body, event_fields
from apps.auth_relay.tests.integration.conftest import (
    AMQP_URL,
    Inbox,
    Names,
    bound_queue,
    relay_settings,
)
from apps.auth_relay.tests.integration.relay_running import running, sample, until

# A queue that holds at most this many bytes and nacks any publish that would exceed it.
QUEUE_BYTES = 100_000


@pytest.fixture
async def exchange_cleanup(names: Names) -> AsyncIterator[None]:
    yield
    connection = await aio_pika.connect(AMQP_URL)
    try:
        await (await connection.channel()).exchange_delete(names.exchange)
    finally:
        await connection.close()


@pytest.fixture
async def strict_inbox(names: Names) -> AsyncIterator[Inbox]:
    """A bound queue with `x-overflow: reject-publish`: the broker nacks an oversized message."""
    arguments = {"x-max-length-bytes": QUEUE_BYTES, "x-overflow": "reject-publish"}
    async with bound_queue(names, durable=False, arguments=arguments) as received:
        yield received


def _oversized_event() -> bytes:
    event = json.loads(event_body())
    event["reason"] = "x" * (2 * QUEUE_BYTES)
    return json.dumps(event).encode()


async def _dead(redis: Redis, names: Names) -> dict[str, dict[bytes, bytes]]:
    return {f[b"entry_id"].decode(): f for _, f in await redis.xrange(names.dead)}


async def test_others_delivered_and_poison_dead_lettered_when_the_broker_nacks_one(
    redis: Redis, names: Names, strict_inbox: Inbox
) -> None:
    before = [(await redis.xadd(names.stream, event_fields())).decode() for _ in range(3)]
    oversized = _oversized_event()
    poison = (await redis.xadd(names.stream, {"event": oversized})).decode()
    after = [(await redis.xadd(names.stream, event_fields())).decode() for _ in range(3)]
    app = RelayApp(
        settings=relay_settings(names, max_deliveries=3, max_event_bytes=4 * QUEUE_BYTES)
    )

    async with running(app):
        await strict_inbox.wait_for_ids(set(before + after))
        await until(lambda: sample(app, "relay_events_dead_lettered_total", reason="nacked") == 1)

    dead = await _dead(redis, names)
    assert strict_inbox.message_ids() == before + after
    assert list(dead) == [poison]
    assert dead[poison][b"reason"] == b"nacked" and dead[poison][b"deliveries"] == b"3"
    assert dead[poison][b"original:event"] == oversized
    assert sample(app, "relay_events_refused_total", reason="nacked") == 3
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def test_dead_lettered_as_unroutable_when_no_queue_is_bound(
    redis: Redis, names: Names, exchange_cleanup: None
) -> None:
    ids = [(await redis.xadd(names.stream, event_fields())).decode() for _ in range(2)]
    app = RelayApp(settings=relay_settings(names, max_deliveries=2))

    async with running(app):
        await until(
            lambda: sample(app, "relay_events_dead_lettered_total", reason="unroutable") == 2
        )

    dead = await _dead(redis, names)
    assert sorted(dead) == sorted(ids)
    assert {f[b"reason"] for f in dead.values()} == {b"unroutable"}
    assert sample(app, "relay_events_relayed_total") == 0
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def test_delivered_when_a_queue_is_bound_before_the_deliveries_run_out(
    redis: Redis, names: Names, exchange_cleanup: None
) -> None:
    entry = (await redis.xadd(names.stream, event_fields())).decode()
    app = RelayApp(settings=relay_settings(names, max_deliveries=1000))
    connection = await aio_pika.connect(AMQP_URL)
    try:
        async with running(app):
            await until(lambda: sample(app, "relay_events_refused_total", reason="unroutable") >= 1)
            channel = await connection.channel()
            queue = await channel.declare_queue(names.queue, exclusive=True)
            await queue.bind(names.exchange)
            message = await _first(queue)
            await until(lambda: sample(app, "relay_events_relayed_total") == 1)
    finally:
        await connection.close()

    assert message.message_id == entry
    assert await redis.xlen(names.dead) == 0
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def _first(queue: aio_pika.abc.AbstractQueue) -> AbstractIncomingMessage:
    async with queue.iterator(timeout=15) as messages:
        async for message in messages:
            await message.ack()
            return message
    raise AssertionError("no message arrived")
