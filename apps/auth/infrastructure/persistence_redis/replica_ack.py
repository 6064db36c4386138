"""After a revocation is written, wait (boundedly) until a replica holds it too.

`WAIT` counts the writes of the connection it runs on, and the pool hands each command any
connection; so the wait sends a one-key write and `WAIT` together on one connection. That write
comes after every revocation already answered, in the single replication stream, so a replica
acknowledging it holds them all. Revocations finished in the same event-loop turn share it.

`WAIT` with no replica connected blocks for its whole timeout, so the number of connected
replicas is read from `INFO replication`, kept a few seconds, and re-read as soon as a wait
goes unacknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from prometheus_client import Counter
from redis.asyncio import Redis

from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.schema import REPLICA_ACK_MARKER
from apps.auth.infrastructure.turn_batcher import TurnBatcher

logger = logging.getLogger("auth.redis")

RESULTS = ("acknowledged", "unacknowledged", "no_replica")


def replica_wait_counter() -> Counter:
    """The wait outcomes as a Prometheus counter, registered by whoever exposes metrics."""
    counter = Counter(
        "auth_redis_replica_waits_total",
        "Revocation writes by replica acknowledgement: acknowledged, unacknowledged "
        "(timed out, kept on the primary only) or no_replica (none connected, not waited for)",
        ["result"],
        registry=None,
    )
    for result in RESULTS:
        counter.labels(result)
    return counter


class RedisReplicaAck:
    def __init__(
        self,
        *,
        redis: Redis,
        timeout_ms: int,
        counter: Counter,
        replicas_ttl_seconds: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
        required: bool = False,
    ) -> None:
        # Required (production, where Redis has replicas): a revocation no replica acknowledged
        # is not reported as done. Otherwise an unacknowledged write is logged and counted only.
        self.required = required
        self._redis = redis
        self._timeout_ms = timeout_ms
        self._counter = counter
        self._ttl = replicas_ttl_seconds
        self._monotonic = monotonic
        self._replicas = 0
        self._replicas_until = float("-inf")
        self._reading = asyncio.Lock()
        self._batcher: TurnBatcher[None, int] = TurnBatcher(run=self._wait_batch)

    async def wait(self) -> bool:
        """True when a replica acknowledged; a timeout leaves the write on the primary only."""
        if self._timeout_ms <= 0:
            return False
        if await self._connected_replicas() == 0:
            self._counter.labels("no_replica").inc()
            return False
        try:
            acknowledged = await self._batcher.submit(None) > 0
        except StorageUnavailable:
            self._replicas_until = float("-inf")
            raise
        if acknowledged:
            self._counter.labels("acknowledged").inc()
            return True
        self._replicas_until = float("-inf")
        self._counter.labels("unacknowledged").inc()
        logger.warning(
            "revocation not acknowledged by a replica within %d ms; it is on the primary only",
            self._timeout_ms,
        )
        return False

    async def _connected_replicas(self) -> int:
        if self._monotonic() >= self._replicas_until:
            async with self._reading:
                if self._monotonic() >= self._replicas_until:
                    self._replicas = await self._read_replicas()
                    self._replicas_until = self._monotonic() + self._ttl
        return self._replicas

    @redis_call
    async def _read_replicas(self) -> int:
        info = await self._redis.info("replication")
        return int(info.get("connected_slaves", 0))

    @redis_call
    async def _wait_batch(self, batch: list[None]) -> list[int]:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(REPLICA_ACK_MARKER, 1, px=60_000)
            pipe.wait(1, self._timeout_ms)
            _, acknowledged = await pipe.execute()
        return [int(acknowledged)] * len(batch)
