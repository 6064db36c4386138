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
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from redis.asyncio import Redis

from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import (
    RedisRevocationStore,
)
from benchmarks.results import RelayRow, relay_table
from benchmarks.servers import cpu_seconds

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
BACKLOG = 10_000
RATE = 100
LATENCY_SECONDS = 10
PHASE_TIMEOUT = 40.0
JTI_PREFIX = "relay-bench-"


class Arrivals:
    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        self.times.setdefault(json.loads(message.body)["jti"], time.perf_counter())
        self.changed.set()

    async def wait_for(self, jtis: set[str]) -> bool:
        deadline = time.perf_counter() + PHASE_TIMEOUT
        while not jtis <= self.times.keys() and time.perf_counter() < deadline:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=0.5)
            except TimeoutError:
                continue
        return jtis <= self.times.keys()


def _revocation(now: datetime) -> Revocation:
    return Revocation(
        jti=f"{JTI_PREFIX}{uuid.uuid4().hex}",
        user_id=uuid.uuid4(),
        expires_at=now + timedelta(minutes=5),
        reason="logout",
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


async def _write_backlog(store: RedisRevocationStore) -> None:
    now = datetime.now(UTC)
    for _ in range(BACKLOG // 100):
        await store.revoke([_revocation(now) for _ in range(100)], now)


async def _throughput(
    channel: AbstractChannel, queue_name: str, pids: list[int]
) -> tuple[float, float]:
    """Events per second into the bound queue, from its first message to the last one,
    and the same count divided by the relays' CPU time over that span."""
    first: tuple[float, int, float] | None = None
    depth, stamp = 0, time.perf_counter()
    deadline = stamp + PHASE_TIMEOUT
    while depth < BACKLOG and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
        declared = await channel.declare_queue(queue_name, passive=True)
        depth = int(declared.declaration_result.message_count or 0)
        stamp = time.perf_counter()
        if first is None and depth > 0:
            first = (stamp, depth, sum(map(cpu_seconds, pids)))
    if first is None or depth < BACKLOG:
        raise SystemExit(f"only {depth} of {BACKLOG} events arrived")
    relayed = BACKLOG - first[1]
    cpu = sum(map(cpu_seconds, pids)) - first[2]
    return relayed / max(stamp - first[0], 1e-6), relayed / max(cpu, 1e-6)


async def _latency(store: RedisRevocationStore, arrivals: Arrivals) -> list[float]:
    sent: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(RATE * LATENCY_SECONDS):
        await asyncio.sleep(max(0.0, started + n / RATE - time.perf_counter()))
        now = datetime.now(UTC)
        revocation = _revocation(now)
        sent[revocation.jti] = time.perf_counter()
        await store.revoke([revocation], now)
    if not await arrivals.wait_for(set(sent)):
        raise SystemExit("latency phase: events missing")
    return sorted((arrivals.times[jti] - t0) * 1000 for jti, t0 in sent.items())


async def _stop(relays: list[asyncio.subprocess.Process]) -> None:
    for relay in relays:
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
    for relay in relays:
        await asyncio.wait_for(relay.wait(), 15)


async def _cleanup(redis: Redis, stream: str) -> None:
    async for key in redis.scan_iter(match=f"blacklist:{JTI_PREFIX}*", count=1000):
        await redis.delete(key)
    await redis.delete(stream, f"{stream}:dead")


async def measure() -> list[RelayRow]:
    suffix = uuid.uuid4().hex[:10]
    stream, exchange, queue_name = (
        f"bench:outbox:{suffix}",
        f"bench.events.{suffix}",
        f"bench.inbox.{suffix}",
    )
    redis = Redis.from_url(REDIS_URL)
    store = RedisRevocationStore(redis=redis, stream=stream, maxlen=1_000_000)
    connection = await aio_pika.connect(AMQP_URL)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=2000)
    fanout = await channel.declare_exchange(exchange, aio_pika.ExchangeType.FANOUT, durable=True)
    queue = await channel.declare_queue(queue_name, exclusive=True)
    await queue.bind(fanout)
    relays: list[asyncio.subprocess.Process] = []
    rows: list[tuple[int, float, float]] = []
    try:
        for replicas in (1, 2):
            await _stop(relays)
            await _write_backlog(store)
            relays = [await _start_relay(suffix, stream, exchange) for _ in range(replicas)]
            rate, per_cpu = await _throughput(channel, queue_name, [r.pid for r in relays])
            rows.append((replicas, rate, per_cpu))
            await queue.purge()
        arrivals = Arrivals()
        await queue.consume(arrivals.on_message, no_ack=True)
        lags = await _latency(store, arrivals)
    finally:
        await _stop(relays)
        await fanout.delete()
        await connection.close()
        await _cleanup(redis, stream)
        await redis.aclose()
    return _rows(rows, lags)


def _rows(throughput: list[tuple[int, float, float]], lags: list[float]) -> list[RelayRow]:
    found = []
    for replicas, rate, per_cpu in throughput:
        label = f"{BACKLOG:,} backlog, {replicas} replica{'s' if replicas > 1 else ''}"
        found.append(RelayRow(f"throughput, {label}", f"{rate:,.0f} events/s", ">= 5,000"))
        found.append(RelayRow(f"events per relay CPU-second, {label}", f"{per_cpu:,.0f}"))
    p99 = lags[max(0, int(len(lags) * 0.99) - 1)]
    lag = f"logout-to-queue lag {{}}, {RATE}/s, 2 replicas"
    found.append(RelayRow(lag.format("p50"), f"{statistics.median(lags):.1f} ms"))
    found.append(RelayRow(lag.format("p99"), f"{p99:.1f} ms", "< 250 ms"))
    return found


def main() -> None:
    rows = asyncio.run(measure())
    print(f"\nRelay bench ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}):\n")
    print("\n".join(relay_table(rows)))


if __name__ == "__main__":
    main()
