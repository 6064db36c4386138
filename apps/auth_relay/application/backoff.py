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
