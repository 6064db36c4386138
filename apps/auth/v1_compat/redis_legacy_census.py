"""How many sessions of the previous auth (v1) could still be adopted: the number the cut-over
waits on to reach zero before the profile is turned off.

v1 (eco2-team/backend, apps/auth/infrastructure/security/jwt_token_service.py) names its tokens
`str(uuid.uuid4())`, with dashes; ours are 32 hex characters without. A v1 refresh token is
adoptable while its jti is in `user:tokens:{user_id}` and `token:meta:{jti}` still exists: the
set lives as long as its newest member, the meta key exactly as long as its own token.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.asyncio import Redis

from apps.auth.infrastructure.persistence_redis.schema import V1_META, V1_TOKENS

logger = logging.getLogger("auth.legacy")
_V1_JTI = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class RedisLegacyCensus(Collector):
    """A Prometheus collector of `auth_legacy_sessions_remaining`.

    Counting walks v1's records with SCAN, so it never runs on a scrape itself: a scrape reports
    the last count (NaN before the first) and starts a new count in the background when the
    last one is older than `every_seconds`.
    """

    def __init__(
        self,
        *,
        redis: Redis,
        every_seconds: float = 60.0,
        match: str = V1_TOKENS.prefix + "*",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._every = every_seconds
        self._match = match
        self._monotonic = monotonic
        self._value = math.nan
        self._counted_at: float | None = None
        self._task: asyncio.Task[None] | None = None

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        self._start_if_stale()
        family = GaugeMetricFamily(
            "auth_legacy_sessions_remaining",
            "v1 refresh tokens still adoptable (in v1's records, not expired)",
        )
        family.add_metric([], self._value)
        yield family

    async def refresh(self) -> None:
        try:
            self._value = float(await self.count())
        except Exception:  # a failed count reads as unknown, never as zero
            logger.warning("counting v1 sessions failed", exc_info=True)
            self._value = math.nan

    async def count(self) -> int:
        total = 0
        async for key in self._redis.scan_iter(match=self._match, count=1000):
            members = [_text(m) for m in await self._redis.smembers(key)]
            v1 = [V1_META.of(m) for m in members if _V1_JTI.fullmatch(m)]
            if v1:
                total += int(await self._redis.exists(*v1))
        return total

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _start_if_stale(self) -> None:
        now = self._monotonic()
        if self._task is not None and not self._task.done():
            return
        if self._counted_at is not None and now - self._counted_at < self._every:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._counted_at = now
        self._task = loop.create_task(self.refresh())


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
