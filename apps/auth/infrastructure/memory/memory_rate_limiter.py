from __future__ import annotations

import math

from apps.auth.application.common.ports import Clock


class MemoryRateLimiter:
    """A fixed-window counter per key, like the Redis one but for a single process."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        now = self._clock.now().timestamp()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window_seconds:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        if count > limit:
            return max(1, math.ceil(started + window_seconds - now))
        return None
