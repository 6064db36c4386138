from __future__ import annotations

from redis.asyncio import Redis

from apps.auth.domain.token import TokenClaims
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.schema import BLACKLIST, USER_NOT_BEFORE
from apps.auth.infrastructure.turn_batcher import TurnBatcher


class RedisRevocationChecker:
    """Is this jti blacklisted, or was it issued before the user's not-before time?

    Checks that arrive in the same event-loop turn share one MGET: every answer still comes
    from Redis after its request arrived, at a fraction of the per-command cost.
    """

    def __init__(self, *, redis: Redis, max_batch: int = 256) -> None:
        self._redis = redis
        self._batcher: TurnBatcher[TokenClaims, bool] = TurnBatcher(
            run=self._lookup, max_batch=max_batch
        )

    async def is_revoked(self, claims: TokenClaims) -> bool:
        return await self._batcher.submit(claims)

    @redis_call
    async def _lookup(self, batch: list[TokenClaims]) -> list[bool]:
        names: list[str] = []
        for claims in batch:
            names += [BLACKLIST.of(claims.jti), USER_NOT_BEFORE.of(claims.sub)]
        values: list[bytes | str | None] = await self._redis.mget(names)
        answers: list[bool] = []
        for index, claims in enumerate(batch):
            blacklisted, not_before = values[2 * index], values[2 * index + 1]
            answers.append(
                blacklisted is not None
                or (not_before is not None and claims.issued_at.timestamp() < float(not_before))
            )
        return answers
