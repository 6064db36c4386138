"""`iso_utc` writes a moment as UTC to the whole second, whichever moments came before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from apps.auth.domain.revocation_event import iso_utc

SEOUL = timezone(timedelta(hours=9))


def _direct(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 8, 2, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 8, 2, 0, 0, 999_999, tzinfo=UTC),
        datetime(2026, 12, 8, 11, 0, 1, 500_000, tzinfo=SEOUL),
        datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
    ],
)
def test_a_moment_is_written_as_its_utc_second(moment: datetime) -> None:
    assert iso_utc(moment) == _direct(moment)


def test_moments_of_one_second_share_its_text_and_the_next_second_has_its_own() -> None:
    start = datetime(2026, 12, 8, 2, 0, 0, tzinfo=UTC)

    assert iso_utc(start + timedelta(microseconds=1)) == "2026-12-08T02:00:00Z"
    assert iso_utc(start.astimezone(SEOUL)) == "2026-12-08T02:00:00Z"
    assert iso_utc(start + timedelta(seconds=1)) == "2026-12-08T02:00:01Z"


def test_many_distinct_seconds_are_all_written_correctly() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=7 * i, microseconds=i) for i in range(1_000)]

    assert [iso_utc(m) for m in moments] == [_direct(m) for m in moments]
    assert [iso_utc(m) for m in reversed(moments)] == [_direct(m) for m in reversed(moments)]
