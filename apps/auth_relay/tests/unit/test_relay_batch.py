from __future__ import annotations

import pytest

from apps.auth_relay.application.errors import BrokerUnavailable, OutboxUnavailable
from apps.auth_relay.application.relay_batch import (
    BatchOrigin,
    RelayBatchInteractor,
    RelayBatchRequest,
)
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.fakes import FakeClock, FakePublisher
from apps.auth_relay.tests.memory_outbox import InMemoryOutbox

NEW = RelayBatchRequest(origin=BatchOrigin.NEW, limit=100)
OWN = RelayBatchRequest(origin=BatchOrigin.OWN_PENDING, limit=100)


def _setup(max_deliveries: int = 3) -> tuple[InMemoryOutbox, FakePublisher, RelayBatchInteractor]:
    outbox = InMemoryOutbox(FakeClock())
    publisher = FakePublisher()
    relay = RelayBatchInteractor(
        source=outbox.consumer("a"), publisher=publisher, max_deliveries=max_deliveries
    )
    return outbox, publisher, relay


async def test_entries_acknowledged_when_the_broker_confirmed_them() -> None:
    outbox, publisher, relay = _setup()
    ids = [outbox.add(event_fields()) for _ in range(3)]

    result = await relay.execute(NEW)

    assert [e.entry_id for e in publisher.published] == ids
    assert [e.body for e in publisher.published] == [outbox.fields_of(i)[b"event"] for i in ids]
    assert outbox.acked == ids and not outbox.pending
    assert (result.fetched, result.relayed, result.rejected) == (3, 3, ())


async def test_nothing_read_or_acknowledged_when_the_broker_is_down() -> None:
    outbox, publisher, relay = _setup()
    ids = [outbox.add(event_fields()) for _ in range(3)]
    publisher.down = True

    with pytest.raises(BrokerUnavailable):
        await relay.execute(NEW)

    assert outbox.acked == [] and outbox.pending == {}
    assert [e.entry_id for e in await outbox.consumer("a").read_new(10)] == ids


async def test_only_the_confirmed_prefix_acknowledged_when_the_broker_fails_midway() -> None:
    outbox, publisher, relay = _setup()
    ids = [outbox.add(event_fields()) for _ in range(5)]
    publisher.confirm_only = 2

    with pytest.raises(BrokerUnavailable) as failure:
        await relay.execute(NEW)

    assert failure.value.confirmed == 2
    assert outbox.acked == ids[:2]
    assert sorted(outbox.pending) == ids[2:]


async def test_malformed_entry_dead_lettered_when_between_good_ones() -> None:
    outbox, publisher, relay = _setup()
    first = outbox.add(event_fields())
    bad = outbox.add({b"event": b"not json"})
    last = outbox.add(event_fields())

    result = await relay.execute(NEW)

    assert [e.entry_id for e in publisher.published] == [first, last]
    assert [(r.entry_id, r.reason) for r in outbox.dead] == [(bad, "invalid_json")]
    assert sorted(outbox.acked) == sorted([first, bad, last])
    assert result.relayed == 2 and len(result.rejected) == 1


async def test_malformed_entry_dead_lettered_when_the_broker_fails_during_the_publish() -> None:
    outbox, publisher, relay = _setup()
    good = outbox.add(event_fields())
    bad = outbox.add({b"junk": b"1"})
    publisher.confirm_only = 0

    with pytest.raises(BrokerUnavailable):
        await relay.execute(NEW)

    assert [r.entry_id for r in outbox.dead] == [bad]
    assert list(outbox.pending) == [good]


async def test_others_acknowledged_and_refused_one_kept_when_the_broker_nacks_one() -> None:
    outbox, publisher, relay = _setup()
    first, poison, last = (outbox.add(event_fields()) for _ in range(3))
    publisher.refusing = {poison}

    result = await relay.execute(NEW)

    assert sorted(outbox.acked) == sorted([first, last])
    assert list(outbox.pending) == [poison] and outbox.dead == []
    assert (result.relayed, result.left_pending) == (2, 1)
    assert [(r.entry_id, r.reason) for r in result.refused] == [(poison, "nacked")]


async def test_dead_lettered_when_refused_on_the_last_allowed_delivery() -> None:
    outbox, publisher, relay = _setup(max_deliveries=3)
    poison = outbox.add(event_fields())
    good = outbox.add(event_fields())
    publisher.refusing = {poison}

    await relay.execute(NEW)
    kept = await relay.execute(OWN)
    given_up = await relay.execute(OWN)

    assert kept.left_pending == 1 and kept.rejected == ()
    [rejection] = given_up.rejected
    assert (rejection.entry_id, rejection.reason, rejection.deliveries) == (poison, "nacked", 3)
    assert rejection.fields == outbox.fields_of(poison)
    assert publisher.attempts[poison] == 3 and outbox.pending == {}
    assert [e.entry_id for e in publisher.published] == [good]


async def test_every_entry_kept_then_dead_lettered_as_unroutable_when_no_queue_is_bound() -> None:
    outbox, publisher, relay = _setup(max_deliveries=2)
    ids = [outbox.add(event_fields()) for _ in range(2)]
    publisher.unbound = True

    first = await relay.execute(NEW)
    second = await relay.execute(OWN)

    assert first.left_pending == 2 and outbox.acked == ids
    assert [(r.entry_id, r.reason) for r in second.rejected] == [(i, "unroutable") for i in ids]
    assert publisher.published == []


async def test_refused_entry_kept_when_the_broker_fails_after_refusing_it() -> None:
    outbox, publisher, relay = _setup(max_deliveries=1)
    good, poison, unanswered = (outbox.add(event_fields()) for _ in range(3))
    publisher.refusing = {poison}
    publisher.confirm_only = 2

    with pytest.raises(BrokerUnavailable) as failure:
        await relay.execute(NEW)

    assert failure.value.confirmed == 1
    assert outbox.acked == [good] and outbox.dead == []
    assert sorted(outbox.pending) == sorted([poison, unanswered])


async def test_nothing_published_when_the_outbox_is_down() -> None:
    outbox, publisher, relay = _setup()
    outbox.add(event_fields())
    outbox.down = True

    with pytest.raises(OutboxUnavailable):
        await relay.execute(NEW)

    assert publisher.published == []


async def test_stale_entries_relayed_when_another_consumer_left_them() -> None:
    outbox, publisher, relay = _setup()
    ids = [outbox.add(event_fields()) for _ in range(2)]
    await outbox.consumer("crashed").read_new(10)
    outbox.clock.advance(5)

    result = await relay.execute(RelayBatchRequest(origin=BatchOrigin.STALE, limit=10))

    assert [e.entry_id for e in publisher.published] == ids
    assert result.origin is BatchOrigin.STALE and outbox.acked == ids
