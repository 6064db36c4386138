from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.integration.conftest import (
    AMQP_URL,
    REDIS_URL,
    Inbox,
    Names,
    closed_port,
    free_port,
    relay_settings,
)
from apps.auth_relay.tests.integration.relay_running import running, until

ROOT = str(Path(__file__).resolve().parents[4])


def _environment(names: Names, port: int, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": ROOT,
        "AUTH_REDIS_URL": REDIS_URL,
        "RELAY_AMQP_URL": AMQP_URL,
        "AUTH_OUTBOX_STREAM": names.stream,
        "RELAY_DEAD_LETTER_STREAM": names.dead,
        "RELAY_GROUP": names.group,
        "RELAY_EXCHANGE": names.exchange,
        "RELAY_HTTP_HOST": "127.0.0.1",
        "RELAY_HTTP_PORT": str(port),
        "RELAY_BLOCK_MS": "100",
        "RELAY_CONNECT_TIMEOUT_SECONDS": "1",
        **extra,
    }


async def _spawn(env: dict[str, str], *, capture: bool = False) -> asyncio.subprocess.Process:
    output = asyncio.subprocess.PIPE if capture else asyncio.subprocess.DEVNULL
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "apps.auth_relay.setup.main", env=env, stdout=output, stderr=output
    )


async def _get(port: int, path: str) -> tuple[int, str]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        response = await client.get(path)
    return response.status_code, response.text


async def _answer(port: int, path: str, status: int, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            got, body = await _get(port, path)
            if got == status:
                return body
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} never answered {status}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def spawned() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    processes: list[asyncio.subprocess.Process] = []
    yield processes
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_probes_and_metrics_answer_when_the_relay_runs(
    names: Names, inbox: Inbox, spawned: list[asyncio.subprocess.Process]
) -> None:
    port = free_port()
    spawned.append(await _spawn(_environment(names, port)))

    await _answer(port, "/readyz", 200)
    metrics = await _answer(port, "/metrics", 200)

    assert (await _get(port, "/healthz"))[0] == 200
    assert (await _get(port, "/nope"))[0] == 404
    for name in (
        "relay_events_relayed_total",
        "relay_events_failed_total",
        "relay_events_dead_lettered_total",
        "relay_events_refused_total",
        "relay_outbox_length_entries",
        "relay_outbox_lag_seconds",
        "relay_outbox_backlog_entries",
    ):
        assert name in metrics


async def test_not_ready_but_alive_when_the_broker_is_unreachable(
    names: Names, spawned: list[asyncio.subprocess.Process]
) -> None:
    port = free_port()
    broken = f"amqp://guest:guest@127.0.0.1:{closed_port()}/"
    spawned.append(await _spawn(_environment(names, port, RELAY_AMQP_URL=broken)))

    await _answer(port, "/healthz", 200)

    assert (await _get(port, "/readyz"))[0] == 503


async def test_exits_within_the_grace_period_when_sigterm_arrives_mid_backlog(
    redis: Redis, names: Names, inbox: Inbox, spawned: list[asyncio.subprocess.Process]
) -> None:
    pipe = redis.pipeline(transaction=False)
    for _ in range(5000):
        pipe.xadd(names.stream, event_fields())
    written = {entry_id.decode() for entry_id in await pipe.execute()}
    port = free_port()
    env = _environment(names, port, RELAY_SHUTDOWN_GRACE_SECONDS="2")
    relay = await _spawn(env, capture=True)
    spawned.append(relay)
    await inbox.wait_for(1)

    started = time.monotonic()
    relay.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(relay.communicate(), timeout=10)
    elapsed = time.monotonic() - started
    logs = [json.loads(line) for line in out.decode().splitlines()]
    drain = RelayApp(settings=relay_settings(names, claim_idle_seconds=0.2))
    async with running(drain):
        await until(lambda: drain.worker.state is WorkerState.RELAYING)
        await inbox.wait_for(len(written), seconds=30)

    assert relay.returncode == 0 and elapsed < 2
    assert {"relay starting", "relay stopped"} <= {log["message"] for log in logs}
    assert all(log["service"] == "auth-relay" and "time" in log for log in logs)
    assert written <= set(inbox.message_ids())


async def test_exit_code_2_and_one_line_when_a_setting_is_invalid(names: Names) -> None:
    env = _environment(names, free_port(), RELAY_CLAIM_IDLE_SECONDS="-1")

    relay = await _spawn(env, capture=True)
    out, err = await asyncio.wait_for(relay.communicate(), timeout=20)

    assert relay.returncode == 2
    assert err.decode().count("\n") == 1 and "RELAY_CLAIM_IDLE_SECONDS" in err.decode()
    assert out == b""
