from __future__ import annotations

from typing import Protocol


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Counts one request; returns seconds to wait when `limit` is exceeded, else None."""
        ...
