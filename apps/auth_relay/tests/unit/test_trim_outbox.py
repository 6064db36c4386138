from __future__ import annotations

from apps.auth_relay.application.ports import GroupPosition
from apps.auth_relay.application.trim_outbox import TrimOutboxInteractor, TrimOutboxRequest
from apps.auth_relay.tests.fakes import FakeClock, InMemoryRetention

IDS = [f"1700000000{n:03d}-0" for n in range(10)]
REQUEST = TrimOutboxRequest(group="relay")


def _group(name: str, last: str, oldest_pending: str | None, undelivered: int = 0) -> GroupPosition:
    return GroupPosition(
        name=name,
        last_delivered_id=last,
        oldest_pending_id=oldest_pending,
        pending=0 if oldest_pending is None else 1,
        undelivered=undelivered,
    )


async def _trim(*groups: GroupPosition) -> tuple[InMemoryRetention, object]:
    retention = InMemoryRetention(list(groups), list(IDS))
    trim = TrimOutboxInteractor(retention=retention, clock=FakeClock(now=1_700_000_010.0))
    return retention, await trim.execute(REQUEST)


async def test_only_acknowledged_entries_trimmed_when_all_were_delivered() -> None:
    retention, result = await _trim(_group("relay", IDS[6], None, undelivered=3))

    assert retention.entry_ids == IDS[7:]
    assert result.trimmed == 7 and result.backlog == 3


async def test_pending_entries_kept_when_trimming() -> None:
    retention, result = await _trim(_group("relay", IDS[6], IDS[2]))

    assert retention.entry_ids == IDS[2:]
    assert result.min_id == IDS[2]


async def test_slowest_group_decides_when_several_groups_read_the_stream() -> None:
    retention, _ = await _trim(_group("relay", IDS[8], None), _group("audit", IDS[3], None))

    assert retention.entry_ids == IDS[4:]


async def test_nothing_trimmed_when_no_group_exists() -> None:
    retention, _ = await _trim()

    assert retention.trimmed_before is None and retention.entry_ids == IDS


async def test_lag_is_the_age_of_the_oldest_unacknowledged_entry_when_measured() -> None:
    _, pending = await _trim(_group("relay", IDS[6], IDS[2]))
    _, undelivered = await _trim(_group("relay", IDS[6], None, undelivered=3))
    _, caught_up = await _trim(_group("relay", IDS[9], None))

    assert round(pending.lag_seconds, 3) == 10.0 - 0.002
    assert round(undelivered.lag_seconds, 3) == 10.0 - 0.007
    assert caught_up.lag_seconds == 0.0
