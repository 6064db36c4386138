from __future__ import annotations

import pytest

from apps.auth_relay.application.errors import BrokerUnavailable, OutboxUnavailable
from apps.auth_relay.application.relay_batch import (
    BatchOrigin,
    RelayBatchInteractor,
    RelayBatchRequest,
)
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.fakes import FakeClock, FakePublisher, InMemoryOutbox

NEW = RelayBatchRequest(origin=BatchOrigin.NEW, limit=100)


def _setup() -> tuple[InMemoryOutbox, FakePublisher, RelayBatchInteractor]:
    outbox = InMemoryOutbox(clock=FakeClock())
    publisher = FakePublisher()
    return outbox, publisher, RelayBatchInteractor(source=outbox.consumer("a"), publisher=publisher)


async def test_entries_acknowledged_when_the_broker_confirmed_them() -> None:
    outbox, publisher, relay = _setup()
    ids = [outbox.add(event_fields()) for _ in range(3)]

    result = await relay.execute(NEW)

    assert [e.entry_id for e in publisher.published] == ids
    assert [e.body for e in publisher.published] == [outbox.fields_of(i)[b"event"] for i in ids]
    assert outbox.acked == ids and not outbox.pending
    assert (result.fetched, result.relayed, result.rejected) == (3, 3, ())


async def test_nothing_acknowledged_when_the_broker_is_down() -> None:
    outbox, publisher, relay = _setup()
    ids = [outbox.add(event_fields()) for _ in range(3)]
    publisher.down = True

    with pytest.raises(BrokerUnavailable):
        await relay.execute(NEW)

    assert outbox.acked == [] and sorted(outbox.pending) == sorted(ids)


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


async def test_malformed_entry_dead_lettered_when_the_broker_is_down() -> None:
    outbox, publisher, relay = _setup()
    good = outbox.add(event_fields())
    bad = outbox.add({b"junk": b"1"})
    publisher.down = True

    with pytest.raises(BrokerUnavailable):
        await relay.execute(NEW)

    assert [r.entry_id for r in outbox.dead] == [bad]
    assert list(outbox.pending) == [good]


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
