"""One contract for the outbox, held against Redis and against the in-memory fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from apps.auth_relay.application.entries import Rejection
from apps.auth_relay.application.errors import OutboxUnavailable
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.integration.conftest import Names
from apps.auth_relay.tests.integration.outbox_worlds import MemoryWorld, RedisWorld, World


@pytest.fixture(params=["memory", "redis"])
async def world(request: pytest.FixtureRequest, redis: Redis, names: Names) -> AsyncIterator[World]:
    yield MemoryWorld() if request.param == "memory" else RedisWorld(redis, names)


async def _add(world: World, count: int) -> list[str]:
    return [await world.add(event_fields()) for _ in range(count)]


def _ids(entries: list) -> list[str]:
    return [entry.entry_id for entry in entries]


async def test_each_entry_goes_to_one_consumer_when_two_share_the_group(world: World) -> None:
    ids = await _add(world, 6)

    got_a = await world.source("a").read_new(4)
    got_b = await world.source("b").read_new(4)

    assert _ids(got_a + got_b) == ids
    assert [e.deliveries for e in got_a + got_b] == [1] * 6
    assert got_a[0].fields is not None and b"event" in got_a[0].fields


async def test_entries_read_when_written_before_the_first_read(world: World) -> None:
    ids = await _add(world, 2)

    assert _ids(await world.source("a").read_new(10)) == ids


async def test_delivery_count_rises_when_own_pending_entries_are_read_again(world: World) -> None:
    ids = await _add(world, 3)
    source = world.source("a")
    await source.read_new(10)
    await source.settle([ids[0]], [])

    again = await source.read_own_pending(10)
    third = await source.read_own_pending(1)

    assert _ids(again) == ids[1:] and [e.deliveries for e in again] == [2, 2]
    assert _ids(third) == ids[1:2] and third[0].deliveries == 3
    assert await world.pending() == {ids[1]: 3, ids[2]: 2}


async def test_acknowledged_and_dead_lettered_together_when_settling(world: World) -> None:
    good, bad = await _add(world, 2)
    source = world.source("a")
    await source.read_new(10)
    await source.read_own_pending(10)
    rejection = Rejection(
        entry_id=bad, reason="invalid_json", detail="x", fields={b"event": b"?"}, deliveries=2
    )

    await source.settle([good], [rejection])
    await source.settle([good], [])

    assert await world.pending() == {}
    assert await world.dead_letters() == [(bad, "invalid_json", 2)]


async def test_stale_entries_claimed_with_a_raised_count_when_idle_long_enough(
    world: World,
) -> None:
    ids = await _add(world, 3)
    await world.source("crashed").read_new(10)

    early = await world.source("rescuer", claim_idle_ms=60_000).claim_stale("0-0", 10)
    late = await world.source("rescuer", claim_idle_ms=0).claim_stale("0-0", 10)
    own = await world.source("rescuer").read_own_pending(10)

    assert early.entries == [] and early.next_start == "0-0"
    assert _ids(late.entries) == ids and late.next_start == "0-0"
    assert [e.deliveries for e in late.entries] == [2, 2, 2]
    assert _ids(own) == ids


async def test_claim_continues_from_the_cursor_when_more_are_stale_than_asked(
    world: World,
) -> None:
    ids = await _add(world, 3)
    await world.source("crashed").read_new(10)
    rescuer = world.source("rescuer", claim_idle_ms=0)

    first = await rescuer.claim_stale("0-0", 2)
    rest = await rescuer.claim_stale(first.next_start, 2)

    assert _ids(first.entries) == ids[:2] and first.next_start == ids[2]
    assert _ids(rest.entries) == ids[2:] and rest.next_start == "0-0"


async def test_entry_read_without_fields_when_deleted_while_pending(world: World) -> None:
    ids = await _add(world, 2)
    source = world.source("a")
    await source.read_new(10)
    await world.delete(ids[0])

    again = await source.read_own_pending(10)

    assert [(e.entry_id, e.fields is None) for e in again] == [(ids[0], True), (ids[1], False)]


async def test_deleted_entry_dropped_when_claimed(world: World) -> None:
    ids = await _add(world, 2)
    await world.source("crashed").read_new(10)
    await world.delete(ids[0])

    claimed = await world.source("rescuer", claim_idle_ms=0).claim_stale("0-0", 10)

    assert _ids(claimed.entries) == ids[1:]
    assert list(await world.pending()) == ids[1:]


async def test_group_position_when_some_entries_are_pending_and_some_undelivered(
    world: World,
) -> None:
    ids = await _add(world, 5)
    source = world.source("a")
    await source.read_new(3)
    await source.settle([ids[0]], [])

    [position] = await world.retention().groups()

    assert position.last_delivered_id == ids[2] and position.oldest_pending_id == ids[1]
    assert (position.pending, position.undelivered) == (2, 2)


async def test_no_group_when_nobody_read_the_stream(world: World) -> None:
    await _add(world, 2)

    assert await world.retention().groups() == []


async def test_next_entry_found_when_asking_for_the_one_after_an_id(world: World) -> None:
    ids = await _add(world, 3)
    retention = world.retention()

    assert await retention.first_id_after(ids[0]) == ids[1]
    assert await retention.first_id_after(ids[2]) is None


async def test_every_entry_from_the_cut_kept_when_trimming(world: World) -> None:
    ids = await world.add_many(event_fields(), 300)
    retention = world.retention()

    trimmed = await retention.trim_before(ids[150])

    assert 0 <= trimmed <= 150
    assert await world.ids() == ids[trimmed:]
    assert await retention.length() == 300 - trimmed


async def test_large_backlog_trimmed_in_one_call_when_the_producer_does_not_cap(
    world: World,
) -> None:
    ids = await world.add_many(event_fields(), 25_000)
    retention = world.retention()

    trimmed = await retention.trim_before(ids[-1])

    assert trimmed >= 24_000
    assert await retention.length() == 25_000 - trimmed and ids[-1] in await world.ids()


async def test_outbox_unavailable_when_the_store_is_unreachable(world: World) -> None:
    with pytest.raises(OutboxUnavailable):
        await world.unreachable_source().read_new(10)
