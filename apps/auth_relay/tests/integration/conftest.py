from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage
from redis.asyncio import Redis

from apps.auth_relay.setup.settings import RelaySettings

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Names:
    stream: str
    dead: str
    group: str
    exchange: str
    queue: str


@dataclass
class Inbox:
    """Everything a queue bound to the test's exchange received, in arrival order."""

    messages: list[AbstractIncomingMessage] = field(default_factory=list)

    async def wait_for(self, count: int, seconds: float = 15.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while len(self.messages) < count and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def wait_for_ids(self, ids: set[str], seconds: float = 15.0) -> None:
        """Waits until every id in `ids` arrived at least once (duplicates do not count)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not ids <= set(self.message_ids()) and loop.time() < deadline:
            await asyncio.sleep(0.01)

    async def settle(self, quiet_seconds: float = 0.3) -> None:
        """Waits until nothing new arrived for `quiet_seconds` (bounded to 5 s)."""
        for _ in range(int(5 / quiet_seconds)):
            before = len(self.messages)
            await asyncio.sleep(quiet_seconds)
            if len(self.messages) == before:
                return

    def message_ids(self) -> list[str]:
        return [str(message.message_id) for message in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port() -> int:
    return free_port()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def names(redis: Redis) -> AsyncIterator[Names]:
    suffix = uuid.uuid4().hex[:12]
    made = Names(
        stream=f"test:relay:{suffix}",
        dead=f"test:relay:{suffix}:dead",
        group=f"relay-{suffix}",
        exchange=f"test.relay.{suffix}",
        queue=f"test.relay.{suffix}.inbox",
    )
    yield made
    await redis.delete(made.stream, made.dead)


@asynccontextmanager
async def bound_queue(
    names: Names, *, durable: bool = True, arguments: dict[str, Any] | None = None
) -> AsyncIterator[Inbox]:
    """The relay's fanout exchange with one queue bound to it, consumed into an `Inbox`;
    queue, exchange and connection are removed on exit."""
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        names.exchange, aio_pika.ExchangeType.FANOUT, durable=True
    )
    queue = await channel.declare_queue(names.queue, durable=durable, arguments=arguments)
    await queue.bind(exchange)
    received = Inbox()

    async def collect(message: AbstractIncomingMessage) -> None:
        received.messages.append(message)
        await message.ack()

    tag = await queue.consume(collect)
    yield received
    await queue.cancel(tag)
    await queue.delete(if_unused=False, if_empty=False)
    await exchange.delete()
    await connection.close()


@pytest.fixture
async def inbox(names: Names) -> AsyncIterator[Inbox]:
    async with bound_queue(names) as received:
        yield received


def relay_settings(names: Names, **overrides: object) -> RelaySettings:
    values: dict[str, object] = {
        "redis_url": REDIS_URL,
        "amqp_url": AMQP_URL,
        "outbox_stream": names.stream,
        "dead_letter_stream": names.dead,
        "group": names.group,
        "exchange": names.exchange,
        "consumer": f"test-{uuid.uuid4().hex[:8]}",
        "batch_size": 200,
        "block_ms": 50,
        "claim_idle_seconds": 0.4,
        "shutdown_grace_seconds": 3,
        "trim_interval_seconds": 0.2,
        "backoff_initial_seconds": 0.05,
        "backoff_max_seconds": 0.3,
        "publish_timeout_seconds": 2,
        "connect_timeout_seconds": 1,
        "http_host": "127.0.0.1",
        "http_port": 0,
    }
    values.update(overrides)
    return RelaySettings.model_validate(values)
