from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from apps.auth.domain.errors import StorageUnavailable
from apps.auth.domain.token import TokenClaims
from apps.auth.infrastructure.persistence_redis import keys
from apps.auth.infrastructure.persistence_redis.errors import redis_call

_Waiter = tuple[TokenClaims, asyncio.Future[bool]]


class RedisRevocationChecker:
    """Is this jti blacklisted, or was it issued before the user's not-before time?

    Checks that arrive in the same event-loop turn share one MGET: every answer still comes
    from Redis after its request arrived, at a fraction of the per-command cost.
    """

    def __init__(self, redis: Redis, max_batch: int = 256) -> None:
        self._redis = redis
        self._max_batch = max_batch
        self._waiting: list[_Waiter] = []

    async def is_revoked(self, claims: TokenClaims) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((claims, future))
        if len(self._waiting) == 1:
            asyncio.get_running_loop().call_soon(self._dispatch)
        return await future

    def _dispatch(self) -> None:
        waiting, self._waiting = self._waiting, []
        for start in range(0, len(waiting), self._max_batch):
            batch = waiting[start : start + self._max_batch]
            asyncio.get_running_loop().create_task(self._answer(batch))

    async def _answer(self, batch: list[_Waiter]) -> None:
        try:
            values = await self._lookup(batch)
        except BaseException as error:
            failure = error if isinstance(error, StorageUnavailable) else StorageUnavailable()
            for _, future in batch:
                if not future.done():
                    future.set_exception(failure)
            if not isinstance(error, Exception):
                raise
            return
        for index, (claims, future) in enumerate(batch):
            blacklisted, not_before = values[2 * index], values[2 * index + 1]
            revoked = blacklisted is not None or (
                not_before is not None and claims.issued_at.timestamp() < float(not_before)
            )
            if not future.done():
                future.set_result(revoked)

    @redis_call
    async def _lookup(self, batch: list[_Waiter]) -> list[bytes | None]:
        names: list[str] = []
        for claims, _ in batch:
            names += [keys.BLACKLIST + claims.jti, keys.USER_NOT_BEFORE + str(claims.sub)]
        values: list[bytes | None] = await self._redis.mget(names)
        return values
