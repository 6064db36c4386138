from __future__ import annotations

from redis.asyncio import Redis

from apps.auth.application.common.health import ProbeNote, ProbeProblem

# Every revocation key has a TTL, so `volatile-*` policies may evict them as well as `allkeys-*`:
# only a Redis that refuses writes when full keeps every revocation it acknowledged.
REQUIRED_POLICY = "noeviction"


class RedisHealthProbe:
    """Redis answers, and will not evict a revocation to make room (`maxmemory-policy`)."""

    name = "redis"

    def __init__(self, *, redis: Redis, expect_replicas: bool = False) -> None:
        self._redis = redis
        self._expect_replicas = expect_replicas

    async def check(self) -> None:
        # INFO, not CONFIG GET: managed Redis services often rename or refuse CONFIG.
        memory = await self._redis.info("memory")
        policy = str(memory.get("maxmemory_policy", REQUIRED_POLICY))
        if policy != REQUIRED_POLICY:
            raise ProbeProblem(
                f"maxmemory-policy is {policy}, which may evict revocations: "
                f"set maxmemory-policy {REQUIRED_POLICY}"
            )
        if self._expect_replicas:
            await self._check_min_replicas()

    async def _check_min_replicas(self) -> None:
        # Redis lists `min_slaves_good_slaves` only when both min-replicas settings are set.
        replication = await self._redis.info("replication")
        if "min_slaves_good_slaves" not in replication:
            raise ProbeNote(
                "min-replicas-to-write and min-replicas-max-lag are not set: a primary cut off "
                "from its replicas keeps accepting writes a failover will lose; set "
                "min-replicas-to-write 1 and min-replicas-max-lag 10"
            )
