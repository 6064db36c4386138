from __future__ import annotations

from redis.asyncio import Redis

from apps.auth_relay.infrastructure.redis_outbox_retention import RedisOutboxRetention
from apps.auth_relay.infrastructure.redis_outbox_source import RedisOutboxSource
from apps.auth_relay.tests.fakes import FakeClock
from apps.auth_relay.tests.integration.conftest import Names, closed_port
from apps.auth_relay.tests.memory_outbox import (
    InMemoryOutbox,
    InMemoryOutboxRetention,
    InMemoryOutboxSource,
)

Source = RedisOutboxSource | InMemoryOutboxSource
Retention = RedisOutboxRetention | InMemoryOutboxRetention
DeadLetter = tuple[str, str, int]


class RedisWorld:
    """The outbox on the real Redis, seen through the relay's adapters."""

    def __init__(self, redis: Redis, names: Names) -> None:
        self.redis = redis
        self.names = names

    async def add(self, fields: dict[bytes, bytes]) -> str:
        return (await self.redis.xadd(self.names.stream, fields)).decode()  # type: ignore[arg-type]

    async def add_many(self, fields: dict[bytes, bytes], count: int) -> list[str]:
        pipe = self.redis.pipeline(transaction=False)
        for _ in range(count):
            pipe.xadd(self.names.stream, fields)  # type: ignore[arg-type]
        return [entry_id.decode() for entry_id in await pipe.execute()]

    async def delete(self, entry_id: str) -> None:
        await self.redis.xdel(self.names.stream, entry_id)

    def source(self, consumer: str, *, claim_idle_ms: int = 60_000) -> Source:
        return self._source(self.redis, consumer, claim_idle_ms)

    def unreachable_source(self) -> Source:
        client = Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0", socket_connect_timeout=1)
        return self._source(client, "a", 60_000)

    def retention(self) -> Retention:
        return RedisOutboxRetention(redis=self.redis, stream=self.names.stream)

    async def ids(self) -> list[str]:
        return [entry_id.decode() for entry_id, _ in await self.redis.xrange(self.names.stream)]

    async def pending(self) -> dict[str, int]:
        rows = await self.redis.xpending_range(
            self.names.stream, self.names.group, min="-", max="+", count=100_000
        )
        return {row["message_id"].decode(): row["times_delivered"] for row in rows}

    async def dead_letters(self) -> list[DeadLetter]:
        return [
            (f[b"entry_id"].decode(), f[b"reason"].decode(), int(f[b"deliveries"]))
            for _, f in await self.redis.xrange(self.names.dead)
        ]

    def _source(self, client: Redis, consumer: str, claim_idle_ms: int) -> Source:
        return RedisOutboxSource(
            redis=client,
            stream=self.names.stream,
            group=self.names.group,
            consumer=consumer,
            dead_letter_stream=self.names.dead,
            dead_letter_maxlen=1000,
            block_ms=20,
            claim_idle_ms=claim_idle_ms,
        )


class MemoryWorld:
    """The same outbox in memory: the fake the unit tests use."""

    def __init__(self) -> None:
        self.outbox = InMemoryOutbox(FakeClock())
        self.group = "relay"

    async def add(self, fields: dict[bytes, bytes]) -> str:
        return self.outbox.add(fields)

    async def add_many(self, fields: dict[bytes, bytes], count: int) -> list[str]:
        return [self.outbox.add(fields) for _ in range(count)]

    async def delete(self, entry_id: str) -> None:
        self.outbox.delete(entry_id)

    def source(self, consumer: str, *, claim_idle_ms: int = 60_000) -> Source:
        return self.outbox.consumer(consumer, group=self.group, claim_idle_ms=claim_idle_ms)

    def unreachable_source(self) -> Source:
        self.outbox.down = True
        return self.source("a")

    def retention(self) -> Retention:
        return self.outbox.retention()

    async def ids(self) -> list[str]:
        return list(self.outbox.entries)

    async def pending(self) -> dict[str, int]:
        group = self.outbox.groups.get(self.group)
        return {i: p.deliveries for i, p in group.pending.items()} if group else {}

    async def dead_letters(self) -> list[DeadLetter]:
        return [(r.entry_id, r.reason, r.deliveries) for r in self.outbox.dead]


World = RedisWorld | MemoryWorld
