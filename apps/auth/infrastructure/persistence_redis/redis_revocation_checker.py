from __future__ import annotations

from redis.asyncio import Redis

from apps.auth.domain.token import TokenClaims
from apps.auth.infrastructure.persistence_redis import keys
from apps.auth.infrastructure.persistence_redis.errors import redis_call


class RedisRevocationChecker:
    """One round trip: is this jti blacklisted, or was it issued before the user's not-before?"""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @redis_call
    async def is_revoked(self, claims: TokenClaims) -> bool:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.exists(keys.BLACKLIST + claims.jti)
            pipe.get(keys.USER_NOT_BEFORE + str(claims.sub))
            blacklisted, not_before = await pipe.execute()
        if blacklisted:
            return True
        return not_before is not None and claims.issued_at.timestamp() < float(not_before)
