"""Redis-only behaviour; what the in-memory outbox shares is in test_outbox_contract.py."""

from __future__ import annotations

from redis.asyncio import Redis

from apps.auth_relay.application.entries import Rejection
from apps.auth_relay.infrastructure.redis_outbox_source import RedisOutboxSource
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.integration.conftest import Names


def _source(redis: Redis, names: Names, consumer: str, claim_idle_ms: int = 200):
    return RedisOutboxSource(
        redis=redis,
        stream=names.stream,
        group=names.group,
        consumer=consumer,
        dead_letter_stream=names.dead,
        dead_letter_maxlen=1000,
        block_ms=20,
        claim_idle_ms=claim_idle_ms,
    )


async def _add(redis: Redis, names: Names, count: int) -> list[str]:
    return [(await redis.xadd(names.stream, event_fields())).decode() for _ in range(count)]


async def test_dead_letter_and_acknowledgement_land_together_when_settling(
    redis: Redis, names: Names
) -> None:
    [good, bad] = await _add(redis, names, 2)
    source = _source(redis, names, "a")
    await source.read_new(10)
    rejection = Rejection(entry_id=bad, reason="invalid_json", detail="x", fields={b"event": b"?"})

    await source.settle([good], [rejection])

    [(_, dead)] = await redis.xrange(names.dead)
    assert dead[b"entry_id"] == bad.encode() and dead[b"reason"] == b"invalid_json"
    assert dead[b"original:event"] == b"?" and dead[b"deliveries"] == b"1"
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def test_group_recreated_when_it_was_destroyed(redis: Redis, names: Names) -> None:
    source = _source(redis, names, "a")
    await source.ensure_group()
    await redis.xgroup_destroy(names.stream, names.group)
    ids = await _add(redis, names, 1)

    assert [e.entry_id for e in await source.read_new(10)] == ids


async def test_consumer_retired_when_it_holds_nothing_pending(redis: Redis, names: Names) -> None:
    await _add(redis, names, 2)
    busy, done = _source(redis, names, "busy"), _source(redis, names, "done")
    await busy.read_new(1)
    [entry] = await done.read_new(1)
    await done.settle([entry.entry_id], [])

    assert await done.retire() is True
    assert await busy.retire() is False
    consumers = await redis.xinfo_consumers(names.stream, names.group)
    assert [c["name"] for c in consumers] == [b"busy"]
