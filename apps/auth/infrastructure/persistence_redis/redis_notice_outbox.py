from __future__ import annotations

from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from apps.auth.domain.notice import Notice, encode_notice
from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.persistence_redis.schema import OUTBOX_EVENT_FIELD


class RedisNoticeOutbox:
    """Notices go to the revocations' outbox stream as one `XADD` each, in the same `event`
    field and under the same `AUTH_OUTBOX_MAXLEN` valve, so one relay carries both.

    A notice has nothing to stay atomic with (unlike a revocation and its blacklist key), so it
    is written from here rather than from a script.
    """

    def __init__(self, *, redis: Redis, stream: str, maxlen: int) -> None:
        self._redis = redis
        self._stream = stream
        self._maxlen = maxlen

    @redis_call
    async def publish(self, notice: Notice) -> None:
        fields: dict[FieldT, EncodableT] = {OUTBOX_EVENT_FIELD: encode_notice(notice)}
        if self._maxlen > 0:
            await self._redis.xadd(self._stream, fields, maxlen=self._maxlen, approximate=True)
        else:
            await self._redis.xadd(self._stream, fields)
