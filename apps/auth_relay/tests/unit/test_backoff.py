from __future__ import annotations

from apps.auth_relay.application.backoff import Backoff, RetrySchedule


def test_delays_double_up_to_the_maximum_when_failures_repeat() -> None:
    backoff = Backoff(initial=0.1, maximum=1.0, jitter=lambda: 1.0)

    delays = [backoff.next_delay() for _ in range(8)]

    assert delays[:5] == [0.1, 0.2, 0.4, 0.8, 1.0]
    assert max(delays) == 1.0


def test_delay_stays_between_half_and_full_when_jitter_varies() -> None:
    low = Backoff(initial=0.4, maximum=10, jitter=lambda: 0.0)
    high = Backoff(initial=0.4, maximum=10, jitter=lambda: 0.999)

    assert low.next_delay() == 0.2
    assert 0.2 < high.next_delay() < 0.4


def test_starts_over_when_reset_after_success() -> None:
    backoff = Backoff(initial=0.1, maximum=5, jitter=lambda: 1.0)
    for _ in range(5):
        backoff.next_delay()

    backoff.reset()

    assert backoff.attempts == 0
    assert backoff.next_delay() == 0.1


def test_stays_bounded_when_failures_go_on_for_long() -> None:
    backoff = Backoff(initial=0.1, maximum=3, jitter=lambda: 1.0)

    assert all(backoff.next_delay() <= 3 for _ in range(10_000))


def _schedule() -> RetrySchedule:
    return RetrySchedule(backoff=Backoff(initial=1.0, maximum=4.0, jitter=lambda: 1.0))


def test_retry_due_after_the_first_delay_when_entries_were_refused() -> None:
    schedule = _schedule()

    schedule.refused(now=10.0)

    assert not schedule.due(10.9) and schedule.due(11.0)


def test_retry_time_kept_when_more_entries_are_refused_before_it() -> None:
    schedule = _schedule()
    schedule.refused(now=10.0)

    schedule.refused(now=10.5)

    assert schedule.due(11.0)


def test_delays_grow_then_reset_when_a_retry_leaves_nothing_pending() -> None:
    schedule = _schedule()
    schedule.refused(now=0.0)
    schedule.retried(now=1.0, left_pending=1)
    assert not schedule.due(2.9) and schedule.due(3.0)

    schedule.retried(now=3.0, left_pending=0)
    assert not schedule.due(1_000.0)

    schedule.refused(now=1_000.0)
    assert schedule.due(1_001.0)
