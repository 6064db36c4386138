from __future__ import annotations

from redis.asyncio import Redis


class RedisHealthProbe:
    name = "redis"

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def check(self) -> None:
        await self._redis.ping()
