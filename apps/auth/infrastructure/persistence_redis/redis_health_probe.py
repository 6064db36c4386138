from __future__ import annotations

from redis.asyncio import Redis

from apps.auth.application.common.health import ProbeProblem

# Every revocation key has a TTL, so `volatile-*` policies may evict them as well as `allkeys-*`:
# only a Redis that refuses writes when full keeps every revocation it acknowledged.
REQUIRED_POLICY = "noeviction"


class RedisHealthProbe:
    """Redis answers, and will not evict a revocation to make room (`maxmemory-policy`)."""

    name = "redis"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def check(self) -> None:
        # INFO, not CONFIG GET: managed Redis services often rename or refuse CONFIG.
        memory = await self._redis.info("memory")
        policy = str(memory.get("maxmemory_policy", REQUIRED_POLICY))
        if policy != REQUIRED_POLICY:
            raise ProbeProblem(
                f"maxmemory-policy is {policy}, which may evict revocations: "
                f"set maxmemory-policy {REQUIRED_POLICY}"
            )
