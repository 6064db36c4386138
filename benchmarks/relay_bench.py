"""Relay throughput from a 10,000-event backlog and logout-to-queue lag at 100 logouts/s.

Runs against Redis and RabbitMQ on 127.0.0.1 with the relay as its own process, the way
production runs it: `PYTHONPATH=. .venv/bin/python -m benchmarks.relay_bench`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from redis.asyncio import Redis

from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import (
    RedisRevocationStore,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
BACKLOG = 10_000
RATE = 100
LATENCY_SECONDS = 10
PHASE_TIMEOUT = 45.0


class Arrivals:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        self.times.setdefault(json.loads(message.body)["jti"], time.perf_counter())

    async def wait_for(self, count: int) -> bool:
        deadline = time.perf_counter() + PHASE_TIMEOUT
        while len(self.times) < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        return len(self.times) >= count


def _revocation(jti: str, now: datetime) -> Revocation:
    return Revocation(
        jti=jti, user_id=uuid.uuid4(), expires_at=now + timedelta(minutes=5), reason="logout"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _start_relay(suffix: str, stream: str, exchange: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHONPATH": os.getcwd(),
        "AUTH_REDIS_URL": REDIS_URL,
        "RELAY_AMQP_URL": AMQP_URL,
        "AUTH_OUTBOX_STREAM": stream,
        "RELAY_DEAD_LETTER_STREAM": f"{stream}:dead",
        "RELAY_GROUP": f"bench-{suffix}",
        "RELAY_EXCHANGE": exchange,
        "RELAY_HTTP_PORT": str(_free_port()),
        "RELAY_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "apps.auth_relay.setup.main", env=env
    )


async def _throughput(store: RedisRevocationStore, arrivals: Arrivals, start_relay) -> float:
    now = datetime.now(UTC)
    jtis = [f"bench-{uuid.uuid4().hex}" for _ in range(BACKLOG)]
    for chunk in range(0, BACKLOG, 100):
        await store.revoke([_revocation(jti, now) for jti in jtis[chunk : chunk + 100]], now)
    relay = await start_relay()
    if not await arrivals.wait_for(BACKLOG):
        raise SystemExit(f"only {len(arrivals.times)} of {BACKLOG} events arrived")
    stamps = sorted(arrivals.times.values())
    return (BACKLOG - 1) / (stamps[-1] - stamps[0]), relay


async def _latency(store: RedisRevocationStore, arrivals: Arrivals) -> list[float]:
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(RATE * LATENCY_SECONDS):
        await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
        jti = f"bench-{uuid.uuid4().hex}"
        sent[jti] = time.perf_counter()
        now = datetime.now(UTC)
        await store.revoke([_revocation(jti, now)], now)
    if not await arrivals.wait_for(BACKLOG + len(sent)):
        raise SystemExit("latency phase: events missing")
    return sorted((arrivals.times[jti] - t0) * 1000 for jti, t0 in sent.items())


async def main() -> None:
    suffix = uuid.uuid4().hex[:10]
    stream, exchange = f"bench:outbox:{suffix}", f"bench.events.{suffix}"
    redis = Redis.from_url(REDIS_URL)
    store = RedisRevocationStore(redis, stream=stream, maxlen=1_000_000)
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=2000)
    fanout = await channel.declare_exchange(exchange, aio_pika.ExchangeType.FANOUT, durable=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(fanout)
    arrivals = Arrivals()
    await queue.consume(arrivals.on_message, no_ack=True)
    relay = None
    try:
        rate, relay = await _throughput(
            store, arrivals, lambda: _start_relay(suffix, stream, exchange)
        )
        lags = await _latency(store, arrivals)
    finally:
        if relay is not None:
            relay.send_signal(signal.SIGTERM)
            await asyncio.wait_for(relay.wait(), 15)
        await queue.delete(if_unused=False, if_empty=False)
        await fanout.delete()
        await connection.close()
        keys = [f"blacklist:{jti}" for jti in arrivals.times]
        for chunk in range(0, len(keys), 1000):
            await redis.delete(*keys[chunk : chunk + 1000])
        await redis.delete(stream, f"{stream}:dead")
        await redis.aclose()
    p50 = statistics.median(lags)
    p99 = lags[int(len(lags) * 0.99) - 1]
    print("| measure | value | goal |")
    print("|---|---|---|")
    print(f"| relay throughput, backlog of {BACKLOG:,} | {rate:,.0f} events/s | >= 5,000 |")
    print(f"| logout-to-queue lag p50 at {RATE}/s | {p50:.1f} ms | |")
    print(f"| logout-to-queue lag p99 at {RATE}/s | {p99:.1f} ms | < 250 ms |")


if __name__ == "__main__":
    asyncio.run(main())
