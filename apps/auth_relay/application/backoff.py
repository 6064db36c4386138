from __future__ import annotations

from collections.abc import Callable


class Backoff:
    """Exponential delays capped at `maximum`, each drawn from [d/2, d] so replicas spread out."""

    def __init__(self, *, initial: float, maximum: float, jitter: Callable[[], float]) -> None:
        self._initial = initial
        self._maximum = maximum
        self._jitter = jitter
        self._attempt = 0

    @property
    def attempts(self) -> int:
        return self._attempt

    def next_delay(self) -> float:
        ceiling = min(self._maximum, self._initial * 2.0 ** min(self._attempt, 32))
        self._attempt += 1
        return ceiling / 2 + ceiling / 2 * self._jitter()

    def reset(self) -> None:
        self._attempt = 0


class RetrySchedule:
    """When this replica next re-publishes the entries the broker refused, on one backoff."""

    def __init__(self, *, backoff: Backoff) -> None:
        self._backoff = backoff
        self._at: float | None = None

    def due(self, now: float) -> bool:
        return self._at is not None and now >= self._at

    def refused(self, now: float) -> None:
        """Entries were left pending; a retry already scheduled keeps its time."""
        if self._at is None:
            self._at = now + self._backoff.next_delay()

    def retried(self, now: float, *, left_pending: int) -> None:
        if left_pending:
            self._at = now + self._backoff.next_delay()
        else:
            self._at = None
            self._backoff.reset()
