"""Revocations no replica acknowledged in time, re-written until one does.

The first write stays on the primary; but a failover before it replicates would lose it, so it
is written again (every step of a revocation is idempotent: the same keys, the same values, one
more `add` event a gateway applies once) and waited for again, every `interval_seconds`, until
a replica acknowledges it. The re-writes go to whatever primary is current.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import Counter

from apps.auth.domain.errors import StorageUnavailable

logger = logging.getLogger("auth.redis")

Attempt = Callable[[], Awaitable[bool]]


def replica_retry_counter() -> Counter:
    counter = Counter(
        "auth_redis_replica_retries_total",
        "Re-writes of revocations no replica acknowledged: acknowledged, pending or dropped",
        ["result"],
        registry=None,
    )
    for result in ("acknowledged", "pending", "dropped"):
        counter.labels(result)
    return counter


class ReplicationRetry:
    def __init__(
        self, *, counter: Counter, interval_seconds: float = 1.0, max_pending: int = 10_000
    ) -> None:
        self._counter = counter
        self._interval = interval_seconds
        self._max_pending = max_pending
        self._pending: list[Attempt] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def keep(self, attempt: Attempt) -> None:
        if len(self._pending) >= self._max_pending:
            # A bound on memory while Redis has no replica for long; the write is still on the
            # primary, and `/ready` and the counter say what is happening.
            self._counter.labels("dropped").inc()
            logger.error("revocation re-write dropped: %d already pending", self._max_pending)
            return
        self._pending.append(attempt)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._pending:
            await asyncio.sleep(self._interval)
            taken = list(self._pending)
            still = []
            for attempt in taken:
                try:
                    acknowledged = await attempt()
                except StorageUnavailable:
                    acknowledged = False
                self._counter.labels("acknowledged" if acknowledged else "pending").inc()
                if not acknowledged:
                    still.append(attempt)
            # Kept while this round ran are tried in the next one.
            self._pending = still + self._pending[len(taken) :]

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
