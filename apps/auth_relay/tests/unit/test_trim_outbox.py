from __future__ import annotations

from apps.auth_relay.application.trim_outbox import (
    TrimOutboxInteractor,
    TrimOutboxRequest,
    TrimOutboxResult,
)
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.fakes import FakeClock
from apps.auth_relay.tests.memory_outbox import InMemoryOutbox

IDS = [f"1700000000{n:03d}-0" for n in range(10)]
REQUEST = TrimOutboxRequest(group="relay")


def _outbox() -> InMemoryOutbox:
    outbox = InMemoryOutbox(FakeClock(now=1_700_000_010.0))
    for entry_id in IDS:
        outbox.entries[entry_id] = event_fields()
    return outbox


async def _deliver(outbox: InMemoryOutbox, count: int, *, group: str = "relay", keep=()) -> None:
    source = outbox.consumer("a", group=group)
    read = await source.read_new(count)
    await source.settle([e.entry_id for e in read if e.entry_id not in keep], [])


async def _trim(outbox: InMemoryOutbox) -> TrimOutboxResult:
    trim = TrimOutboxInteractor(retention=outbox.retention(), clock=outbox.clock)
    return await trim.execute(REQUEST)


async def test_only_acknowledged_entries_trimmed_when_all_were_delivered() -> None:
    outbox = _outbox()
    await _deliver(outbox, 7)

    result = await _trim(outbox)

    assert list(outbox.entries) == IDS[7:]
    assert (result.trimmed, result.backlog, result.length) == (7, 3, 3)


async def test_pending_entries_kept_when_trimming() -> None:
    outbox = _outbox()
    await _deliver(outbox, 7, keep={IDS[2]})

    result = await _trim(outbox)

    assert list(outbox.entries) == IDS[2:]
    assert result.min_id == IDS[2] and result.backlog == 4


async def test_slowest_group_decides_when_several_groups_read_the_stream() -> None:
    outbox = _outbox()
    await _deliver(outbox, 9)
    await _deliver(outbox, 4, group="audit")

    await _trim(outbox)

    assert list(outbox.entries) == IDS[4:]


async def test_nothing_trimmed_when_no_group_exists() -> None:
    outbox = _outbox()

    result = await _trim(outbox)

    assert list(outbox.entries) == IDS and result.length == 10


async def test_lag_is_the_age_of_the_oldest_unacknowledged_entry_when_measured() -> None:
    pending, undelivered, caught_up = _outbox(), _outbox(), _outbox()
    await _deliver(pending, 7, keep={IDS[2]})
    await _deliver(undelivered, 7)
    await _deliver(caught_up, 10)

    assert round((await _trim(pending)).lag_seconds, 3) == 10.0 - 0.002
    assert round((await _trim(undelivered)).lag_seconds, 3) == 10.0 - 0.007
    assert (await _trim(caught_up)).lag_seconds == 0.0
