from __future__ import annotations

from apps.auth_relay.application.backoff import Backoff


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
