from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from apps.auth_relay.application.entries import Rejection
from apps.auth_relay.application.errors import OutboxUnavailable
from apps.auth_relay.infrastructure.redis_outbox_source import RedisOutboxSource
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.integration.conftest import Names, closed_port


def _source(redis: Redis, names: Names, consumer: str, claim_idle_ms: int = 200):
    return RedisOutboxSource(
        redis,
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


async def test_each_entry_goes_to_one_consumer_when_two_share_the_group(
    redis: Redis, names: Names
) -> None:
    ids = await _add(redis, names, 6)
    first, second = _source(redis, names, "a"), _source(redis, names, "b")

    got_a = await first.read_new(4)
    got_b = await second.read_new(4)

    assert [e.entry_id for e in got_a + got_b] == ids
    assert got_a[0].fields == {
        b"event": (await redis.xrange(names.stream, count=1))[0][1][b"event"]
    }


async def test_entries_written_before_the_group_existed_are_read_when_it_is_created(
    redis: Redis, names: Names
) -> None:
    ids = await _add(redis, names, 2)

    entries = await _source(redis, names, "a").read_new(10)

    assert [e.entry_id for e in entries] == ids


async def test_own_pending_entries_read_again_when_not_acknowledged(
    redis: Redis, names: Names
) -> None:
    ids = await _add(redis, names, 3)
    source = _source(redis, names, "a")
    await source.read_new(10)
    await source.settle([ids[0]], [])

    again = await source.read_own_pending(10)

    assert [e.entry_id for e in again] == ids[1:]


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
    assert dead[b"original:event"] == b"?"
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0


async def test_stale_entries_claimed_when_idle_longer_than_the_claim_time(
    redis: Redis, names: Names
) -> None:
    ids = await _add(redis, names, 3)
    crashed, rescuer = _source(redis, names, "crashed"), _source(redis, names, "rescuer")
    await crashed.read_new(10)

    early = await rescuer.claim_stale("0-0", 10)
    await asyncio.sleep(0.3)
    late = await rescuer.claim_stale("0-0", 10)

    assert early.entries == []
    assert [e.entry_id for e in late.entries] == ids and late.next_start == "0-0"


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


async def test_outbox_unavailable_when_redis_is_unreachable(names: Names) -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0", socket_connect_timeout=1)
    try:
        with pytest.raises(OutboxUnavailable):
            await _source(client, names, "a").read_new(10)
    finally:
        await client.aclose()
