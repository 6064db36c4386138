from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from apps.auth_relay.application.ports import GroupPosition
from apps.auth_relay.infrastructure.redis_outbox_source import redis_unavailable_as_outbox_error

# Redis caps an approximate trim at 100 x stream-node-max-entries (10,000 by default) per call.
_ROUND_LIMIT = 10_000
_MAX_ROUNDS = 10


class RedisOutboxRetention:
    """Group positions and MINID trimming of the outbox stream."""

    def __init__(self, *, redis: Redis, stream: str) -> None:
        self._redis = redis
        self._stream = stream

    async def groups(self) -> list[GroupPosition]:
        async with redis_unavailable_as_outbox_error():
            try:
                infos = await self._redis.xinfo_groups(self._stream)
            except ResponseError:
                return []
            positions = []
            for info in infos:
                name = _text(info["name"])
                oldest = None
                if info["pending"]:
                    summary = await self._redis.xpending(self._stream, name)
                    oldest = _text(summary["min"]) if summary["min"] else None
                positions.append(
                    GroupPosition(
                        name=name,
                        last_delivered_id=_text(info["last-delivered-id"]),
                        oldest_pending_id=oldest,
                        pending=int(info["pending"]),
                        undelivered=int(info.get("lag") or 0),
                    )
                )
            return positions

    async def first_id_after(self, entry_id: str) -> str | None:
        async with redis_unavailable_as_outbox_error():
            found = await self._redis.xrange(self._stream, min=f"({entry_id}", count=1)
        return _text(found[0][0]) if found and found[0][0] is not None else None

    async def trim_before(self, min_id: str) -> int:
        """Approximate trimming, repeated while a call still finds whole nodes to drop."""
        total = 0
        async with redis_unavailable_as_outbox_error():
            for _ in range(_MAX_ROUNDS):
                trimmed = int(
                    await self._redis.xtrim(
                        self._stream, minid=min_id, approximate=True, limit=_ROUND_LIMIT
                    )
                )
                total += trimmed
                if trimmed == 0:
                    break
        return total

    async def length(self) -> int:
        async with redis_unavailable_as_outbox_error():
            return int(await self._redis.xlen(self._stream))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
