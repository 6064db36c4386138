"""`make soak`: a bounded mixed load on the whole auth stack, then a consistency check.

Starts the API (uvicorn, one worker) on a throwaway Postgres database migrated by Alembic and
the shared Redis with an outbox stream of its own, and the relay as its own process feeding
`blacklist.events`, to which a queue of the soak's own is bound first. Browsers log in through
the dev provider, verify, refresh, verify, log out and check the token is refused, until
`--duration` runs out. Then: every logout must be in the outbox and at least once in the
queue, every user must have its social account and no session may be left open. Reports
errors, p99 per endpoint and each process's RSS growth; exits 1 when any check fails.

    PYTHONPATH=. .venv/bin/python -m benchmarks.soak --duration 600
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

import aio_pika
import httpx
from redis.asyncio import Redis

from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from benchmarks.servers import Server, throwaway_database
from benchmarks.soak_checks import Received, agreement, drain
from benchmarks.soak_load import Tally, browser

REDIS_URL = "redis://127.0.0.1:6379/0"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
EXCHANGE = "blacklist.events"
WITNESS_GROUP = "soak-witness"
ENDPOINTS = ("login", "verify", "refresh", "logout")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def api_env(database_url: str, stream: str) -> dict[str, str]:
    return {
        "AUTH_ENVIRONMENT": "test",
        "AUTH_DATABASE_URL": database_url,
        "AUTH_REDIS_URL": REDIS_URL,
        "AUTH_OUTBOX_STREAM": stream,
        "AUTH_LOG_LEVEL": "WARNING",
        "AUTH_FRONTEND_ORIGINS": "https://app.eco2.test",
        "AUTH_ENABLED_PROVIDERS": "dev",
        "AUTH_JWT_PRIVATE_KEY": generate_ec_private_pem(),
        "AUTH_JWT_KEY_ID": "soak-1",
        "AUTH_RATE_LIMIT_AUTHORIZE": "0",
        "AUTH_RATE_LIMIT_CALLBACK": "0",
        "AUTH_RATE_LIMIT_REFRESH_PER_IP": "0",
        "AUTH_RATE_LIMIT_REFRESH_PER_USER": "0",
    }


async def start_relay(stream: str, group: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHONPATH": os.getcwd(),
        "AUTH_REDIS_URL": REDIS_URL,
        "AUTH_OUTBOX_STREAM": stream,
        "RELAY_AMQP_URL": AMQP_URL,
        "RELAY_EXCHANGE": EXCHANGE,
        "RELAY_GROUP": group,
        "RELAY_DEAD_LETTER_STREAM": f"{stream}:dead",
        "RELAY_HTTP_HOST": "127.0.0.1",
        "RELAY_HTTP_PORT": "0",
        "RELAY_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "apps.auth_relay.setup.main", env=env
    )


async def soak(api: Server, database_url: str, stream: str, args: argparse.Namespace) -> int:
    group = f"soak-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(REDIS_URL)
    # A group that never reads: the relay's trimming must keep every entry it still needs, so
    # the whole outbox is there to compare with the broker afterwards.
    await redis.xgroup_create(stream, WITNESS_GROUP, id="0", mkstream=True)
    broker = await aio_pika.connect_robust(AMQP_URL)
    channel = await broker.channel()
    exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True)
    queue = await channel.declare_queue(f"soak.{group}", exclusive=True, auto_delete=True)
    await queue.bind(exchange)
    received = Received()
    await queue.consume(received.on_message)
    relay = await start_relay(stream, group)
    assert api.process is not None
    pids = {"api": api.process.pid, "relay": relay.pid, "load": os.getpid()}
    tally = Tally()
    try:
        limits = httpx.Limits(max_connections=1)
        clients = [
            httpx.AsyncClient(base_url=api.base_url, timeout=10, limits=limits)
            for _ in range(args.concurrency)
        ]
        await asyncio.sleep(1.0)
        rss_start = {name: rss_kib(pid) for name, pid in pids.items()}
        started = time.monotonic()
        deadline = started + args.duration
        await asyncio.wait_for(
            asyncio.gather(*(browser(c, tally, deadline) for c in clients)),
            timeout=args.duration + 60,
        )
        elapsed = time.monotonic() - started
        rss_end = {name: rss_kib(pid) for name, pid in pids.items()}
        for client in clients:
            await client.aclose()
        drained = await drain(redis, stream, group, received, seconds=60)
        counts = await agreement(
            database_url.replace("+asyncpg", ""), redis, stream, received, tally
        )
    finally:
        relay.terminate()
        await asyncio.wait_for(relay.wait(), timeout=20)
        await redis.delete(stream, f"{stream}:dead")
        await redis.aclose()
        await broker.close()
    return report(args, tally, elapsed, drained, counts, rss_start, rss_end)


def report(
    args: argparse.Namespace,
    tally: Tally,
    elapsed: float,
    drained: float,
    counts: dict[str, int],
    rss_start: dict[str, int],
    rss_end: dict[str, int],
) -> int:
    errors = sum(tally.errors.values())
    failures = {k: v for k, v in counts.items() if not k.endswith("_total") and v}
    print(f"\nSoak: {elapsed:.0f} s, {args.concurrency} browsers, {tally.flows} flows")
    print(f"requests: {tally.requests} ({tally.requests / elapsed:.0f}/s), errors: {errors}")
    print("| endpoint | requests | errors | p99 ms |\n|---|---:|---:|---:|")
    for name in ENDPOINTS:
        count, failed = len(tally.latencies[name]), tally.errors.get(name, 0)
        print(f"| {name} | {count} | {failed} | {tally.p99_ms(name):.1f} |")
    print("| process | RSS start MiB | RSS end MiB | growth MiB |\n|---|---:|---:|---:|")
    for name, start in rss_start.items():
        end = rss_end[name]
        print(f"| {name} | {start / 1024:.1f} | {end / 1024:.1f} | {(end - start) / 1024:+.1f} |")
    print(f"relay drained the outbox {drained:.1f} s after the load" if drained >= 0 else "")
    print("agreement:", json.dumps(counts))
    for sample in tally.error_samples:
        print("error:", sample)
    if drained < 0:
        print("FAILED: the relay did not drain the outbox within 60 s")
    if failures:
        print("FAILED:", json.dumps(failures))
    return 1 if errors or failures or drained < 0 else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=8, help="browsers at once")
    args = parser.parse_args()
    if not 1 <= args.duration <= 7200 or not 1 <= args.concurrency <= 256:
        parser.error("--duration must be 1..7200 s and --concurrency 1..256")
    stream = f"soak:outbox:{uuid.uuid4().hex[:12]}"
    with (
        throwaway_database() as database_url,
        Server("apps.auth.setup.main:app", api_env(database_url, stream)) as api,
    ):
        return asyncio.run(soak(api, database_url, stream, args))


if __name__ == "__main__":
    sys.exit(main())
