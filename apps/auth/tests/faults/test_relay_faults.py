"""The relay as its own process, fed by the API's own outbox writes, under two faults.

`apps/auth_relay/tests/integration/test_relay_delivery.py` covers a broker cut and a worker
dying before its acknowledgement with the relay in-process; these add the process-level
cells: logouts answered through the API while RabbitMQ is unreachable, and a relay SIGKILLed
in the middle of a batch. RabbitMQ is not restarted: a second Erlang node takes ~10 s and
much of this machine's memory, so the test cuts a TCP proxy in front of the shared broker,
which is what the relay sees when its broker dies (every connection reset, new ones refused).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.tests.support import API, bearer, dev_login
from apps.auth_relay.tests.events import revocation
from apps.auth_relay.tests.integration.conftest import (  # noqa: F401
    AMQP_URL,
    REDIS_URL,
    Inbox,
    Names,
    free_port,
    inbox,
    names,
)
from apps.auth_relay.tests.integration.tcp_proxy import TcpProxy

ROOT = str(Path(__file__).resolve().parents[4])
Spawn = Callable[..., Any]


def _relay_env(relay: Names, amqp_url: str, consumer: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": ROOT,
        "AUTH_REDIS_URL": REDIS_URL,
        "RELAY_AMQP_URL": amqp_url,
        "AUTH_OUTBOX_STREAM": relay.stream,
        "RELAY_DEAD_LETTER_STREAM": relay.dead,
        "RELAY_GROUP": relay.group,
        "RELAY_EXCHANGE": relay.exchange,
        "RELAY_CONSUMER": consumer,
        "RELAY_HTTP_HOST": "127.0.0.1",
        "RELAY_HTTP_PORT": str(free_port()),
        "RELAY_BLOCK_MS": "100",
        "RELAY_CONNECT_TIMEOUT_SECONDS": "1",
        "RELAY_PUBLISH_TIMEOUT_SECONDS": "2",
        "RELAY_BACKOFF_INITIAL_SECONDS": "0.05",
        "RELAY_BACKOFF_MAX_SECONDS": "0.5",
        "RELAY_SHUTDOWN_GRACE_SECONDS": "3",
        **extra,
    }


@pytest.fixture
async def spawn() -> AsyncIterator[Spawn]:
    started: list[asyncio.subprocess.Process] = []

    async def run(env: dict[str, str]) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "apps.auth_relay.setup.main",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _entry_ids(redis: Redis, stream: str) -> set[str]:
    return {entry_id.decode() for entry_id, _ in await redis.xrange(stream)}


async def _write(store: RedisRevocationStore, count: int, per_call: int = 250) -> None:
    for start in range(0, count, per_call):
        now = datetime.now(UTC)
        await store.revoke([revocation(now=now) for _ in range(min(per_call, count - start))], now)


async def _pending(redis: Redis, relay: Names) -> int:
    return int((await redis.xpending(relay.stream, relay.group))["pending"])


async def test_every_event_relayed_and_logout_answers_200_when_rabbitmq_dies_while_relaying(
    app_factory: Callable[..., Any],
    redis: Redis,
    names: Names,  # noqa: F811
    inbox: Inbox,  # noqa: F811
    spawn: Spawn,
) -> None:
    proxy = TcpProxy("127.0.0.1", 5672)
    await proxy.start()
    try:
        relay = await spawn(
            _relay_env(names, f"amqp://guest:guest@127.0.0.1:{proxy.port}/", "fault-relay")
        )
        async with app_factory(outbox_stream=names.stream) as t:
            store = t.runtime.storage.revocations
            users = [await dev_login(t.client, name=f"relay-{i}") for i in range(3)]
            await _write(store, 100)
            await inbox.wait_for(100, seconds=20)
            await proxy.cut()

            logouts = [await t.post_once(f"{API}/logout", headers=bearer(u.access)) for u in users]
            await _write(store, 200)
            await asyncio.sleep(1.0)
            delivered_in_outage = len(inbox.messages)
            await proxy.restore()
            written = await _entry_ids(redis, names.stream)
            await inbox.wait_for(len(written), seconds=30)
            verifies = [
                await t.client.get(f"{API}/verify", headers=bearer(u.access)) for u in users
            ]

        assert [r.status_code for r in logouts] == [200, 200, 200]
        assert [r.status_code for r in verifies] == [403, 403, 403]
        assert delivered_in_outage == 100
        assert len(written) == 303
        assert written <= set(inbox.message_ids())
        assert relay.returncode is None
        await _until_zero_pending(redis, names)
    finally:
        await proxy.cut()


async def _until_zero_pending(redis: Redis, relay: Names) -> None:
    for _ in range(100):
        if await _pending(redis, relay) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("relay left entries pending after delivering them")


async def test_second_relay_delivers_every_event_when_first_relay_sigkilled_mid_batch(
    redis: Redis,
    names: Names,  # noqa: F811
    inbox: Inbox,  # noqa: F811
    spawn: Spawn,
) -> None:
    store = RedisRevocationStore(redis=redis, stream=names.stream, maxlen=1_000_000)
    await _write(store, 10_000, per_call=500)
    written = await _entry_ids(redis, names.stream)
    first = await spawn(_relay_env(names, AMQP_URL, f"doomed-{uuid.uuid4().hex[:6]}"))
    await inbox.wait_for(1, seconds=20)

    first.send_signal(signal.SIGKILL)
    await first.wait()
    delivered_by_first = len(inbox.messages)
    second = await spawn(_relay_env(names, AMQP_URL, "survivor", RELAY_CLAIM_IDLE_SECONDS="0.5"))
    await inbox.wait_for(len(written), seconds=40)
    await inbox.settle()
    second.send_signal(signal.SIGTERM)
    await asyncio.wait_for(second.wait(), timeout=10)

    assert first.returncode == -signal.SIGKILL
    assert 0 < delivered_by_first < len(written)
    received = inbox.message_ids()
    assert written <= set(received)
    assert set(received) <= written
    assert await _pending(redis, names) == 0
