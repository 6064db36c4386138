from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT as _FieldT

from apps.auth_relay.application.entries import OutboxEntry, Rejection
from apps.auth_relay.application.errors import OutboxUnavailable
from apps.auth_relay.application.ports import Claimed

T = TypeVar("T")
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


@asynccontextmanager
async def redis_unavailable_as_outbox_error() -> AsyncIterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise OutboxUnavailable(f"redis: {exc or type(exc).__name__}") from exc


class RedisOutboxSource:
    """The outbox stream read through a consumer group, one consumer per replica."""

    def __init__(
        self,
        *,
        redis: Redis,
        stream: str,
        group: str,
        consumer: str,
        dead_letter_stream: str,
        dead_letter_maxlen: int,
        block_ms: int,
        claim_idle_ms: int,
    ) -> None:
        self._redis = redis
        self._stream = stream
        self._group = group
        self._consumer = consumer
        self._dead = dead_letter_stream
        self._dead_maxlen = dead_letter_maxlen
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms

    async def ensure_group(self) -> None:
        """Creates the group at the stream's start, so events written before it are relayed."""
        async with redis_unavailable_as_outbox_error():
            try:
                await self._redis.xgroup_create(self._stream, self._group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def read_own_pending(self, count: int) -> list[OutboxEntry]:
        return await self._counted(await self._read("0", count, block=None))

    async def read_new(self, count: int) -> list[OutboxEntry]:
        return await self._read(">", count, block=self._block_ms)

    async def claim_stale(self, start: str, count: int) -> Claimed:
        reply = await self._with_group(
            lambda: self._redis.xautoclaim(
                self._stream,
                self._group,
                self._consumer,
                min_idle_time=self._claim_idle_ms,
                start_id=start,
                count=count,
            )
        )
        entries = await self._counted(_entries(reply[1]))
        return Claimed(entries=entries, next_start=_text(reply[0]))

    async def settle(self, delivered: Sequence[str], rejected: Sequence[Rejection]) -> None:
        if not delivered and not rejected:
            return
        async with redis_unavailable_as_outbox_error():
            pipe = self._redis.pipeline(transaction=True)
            for rejection in rejected:
                pipe.xadd(
                    self._dead,
                    self._dead_letter_fields(rejection),
                    maxlen=self._dead_maxlen,
                    approximate=True,
                )
            pipe.xack(self._stream, self._group, *delivered, *(r.entry_id for r in rejected))
            await pipe.execute()

    async def retire(self) -> bool:
        """Removes this consumer from the group when it holds no pending entry."""
        async with redis_unavailable_as_outbox_error():
            consumers = await self._redis.xinfo_consumers(self._stream, self._group)
            mine = [c for c in consumers if _text(c["name"]) == self._consumer]
            if mine and mine[0]["pending"] > 0:
                return False
            if mine:
                await self._redis.xgroup_delconsumer(self._stream, self._group, self._consumer)
        return True

    async def _counted(self, entries: list[OutboxEntry]) -> list[OutboxEntry]:
        """The entries with the group's delivery counters, which this read has just raised."""
        if not entries:
            return entries
        async with redis_unavailable_as_outbox_error():
            rows = await self._redis.xpending_range(
                self._stream,
                self._group,
                min=entries[0].entry_id,
                max=entries[-1].entry_id,
                # The range can hold more of ours than were read: entries claimed from another
                # consumer can lie between own pending ones that were not idle enough to claim.
                count=2 * len(entries) + 100,
                consumername=self._consumer,
            )
        counts = {
            _text(cast(bytes, row["message_id"])): int(row["times_delivered"]) for row in rows
        }
        return [
            replace(entry, deliveries=counts.get(entry.entry_id, entry.deliveries))
            for entry in entries
        ]

    async def _read(self, position: str, count: int, block: int | None) -> list[OutboxEntry]:
        reply = await self._with_group(
            lambda: self._redis.xreadgroup(
                self._group, self._consumer, {self._stream: position}, count=count, block=block
            )
        )
        # RESP2 reply: [[stream, [(id, fields), ...]]]
        streams = cast(list[list[Any]], reply)
        return _entries(streams[0][1]) if streams else []

    async def _with_group(self, command: Callable[[], Awaitable[T]]) -> T:
        async with redis_unavailable_as_outbox_error():
            try:
                return await command()
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
            await self.ensure_group()
            return await command()

    def _dead_letter_fields(self, rejection: Rejection) -> dict[_FieldT, _FieldT]:
        fields: dict[_FieldT, _FieldT] = {
            "entry_id": rejection.entry_id,
            "stream": self._stream,
            "reason": rejection.reason,
            "detail": rejection.detail,
            "consumer": self._consumer,
            "deliveries": rejection.deliveries,
        }
        for name, value in rejection.fields.items():
            fields[b"original:" + name] = value
        return fields


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entries(raw: Sequence[Any]) -> list[OutboxEntry]:
    # An entry deleted while pending comes back without fields (redis-py gives {}); a stream
    # entry always has at least one field, so an empty one is the deleted case.
    return [
        OutboxEntry(entry_id=_text(entry_id), fields=fields or None) for entry_id, fields in raw
    ]
