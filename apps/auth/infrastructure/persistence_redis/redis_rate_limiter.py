from __future__ import annotations

from redis.asyncio import Redis

from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.schema import RATE

_FIXED_WINDOW = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return ttl
end
return -1
"""


class RedisRateLimiter:
    """A fixed-window counter per key, shared by every replica."""

    def __init__(self, *, redis: Redis) -> None:
        self._redis = redis
        self._script = redis.register_script(_FIXED_WINDOW)

    @redis_call
    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        wait = int(await self._script(keys=[RATE.of(key)], args=[limit, window_seconds]))
        return wait if wait > 0 else None
