"""H: the process entry point: who decides the client address, a busy port, process tuning, and
that every way of starting the service goes through it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apps.auth.tests.security.served_api import ROOT, SERVE, ServedApi, clean_env
from apps.auth.tests.support import API, dev_login

SPOOFED = "198.51.100.77"


@pytest.fixture(scope="module")
def no_proxy() -> Iterator[ServedApi]:
    api = ServedApi(AUTH_TRUSTED_PROXY_HOPS="0", AUTH_RATE_LIMIT_AUTHORIZE="3").start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def two_proxies() -> Iterator[ServedApi]:
    api = ServedApi(AUTH_TRUSTED_PROXY_HOPS="2").start()
    yield api
    api.stop()


async def _recorded_ip(base_url: str, forwarded_for: str) -> str:
    headers = {"X-Forwarded-For": forwarded_for}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as browser:
        await dev_login(browser)
        sessions = (await browser.get(f"{API}/sessions")).json()["sessions"]
    assert len(sessions) == 1
    return str(sessions[0]["ip"])


async def test_peer_address_recorded_when_zero_hops_and_forwarded_for_spoofed(
    no_proxy: ServedApi,
) -> None:
    assert await _recorded_ip(no_proxy.base_url, SPOOFED) == "127.0.0.1"


async def test_rotating_forwarded_for_still_limited_per_ip_when_zero_hops(
    no_proxy: ServedApi,
) -> None:
    statuses = []
    async with httpx.AsyncClient(base_url=no_proxy.base_url) as client:
        for index in range(8):
            response = await client.get(
                f"{API}/dev/authorize", headers={"X-Forwarded-For": f"198.51.100.{index}"}
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert response.json()["code"] == "RATE_LIMITED"
                assert int(response.headers["retry-after"]) > 0

    # The recorded-IP test may have spent one of the three authorizations of 127.0.0.1.
    assert 429 in statuses[:4], statuses
    assert set(statuses[statuses.index(429) :]) == {429}, statuses


async def test_nth_address_from_the_right_recorded_when_n_trusted_hops(
    two_proxies: ServedApi,
) -> None:
    chain = f"{SPOOFED}, 203.0.113.9, 192.0.2.5"

    assert await _recorded_ip(two_proxies.base_url, chain) == "203.0.113.9"


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_busy_port_refused_with_one_line_and_exit_2_when_already_listening(how: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ["--port", str(port)] if how == "argument" else []
        env = clean_env(PORT=str(port), HOST="127.0.0.1")
        result = subprocess.run(
            [*SERVE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port}" in lines[0] and "make run PORT=" in lines[0]


def _probe(code: str) -> Any:
    """Runs `code` in a fresh interpreter of the local profile; the JSON of its last line."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(AUTH_ENVIRONMENT="local", AUTH_LOG_LEVEL="ERROR"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_entry_point_freezes_the_heap_and_widens_young_gc_when_app_is_built() -> None:
    probe = (
        "import gc, json; from apps.auth.setup import serve;"
        "before = [gc.get_threshold()[0], gc.get_freeze_count()];"
        "server, sock = serve.prepare(['--port', '0']);"
        "print(json.dumps(before + [gc.get_threshold()[0], gc.get_freeze_count(),"
        " server.config.app is __import__('apps.auth.setup.main').auth.setup.main.app]))"
    )
    threshold_before, frozen_before, threshold, frozen, serves_main_app = _probe(probe)
    assert (threshold_before, frozen_before) == (700, 0)
    assert threshold == 20_000 and frozen > 10_000
    assert serves_main_app is True


def test_app_lifespan_leaves_the_collector_alone_when_started_without_entry_point() -> None:
    probe = (
        "import asyncio, gc, json\n"
        "from apps.auth.setup.main import app\n"
        "before = [gc.get_threshold()[0], gc.get_freeze_count()]\n"
        "async def run():\n"
        "    async with app.router.lifespan_context(app):\n"
        "        return [gc.get_threshold()[0], gc.get_freeze_count()]\n"
        "print(json.dumps([before, asyncio.run(run())]))"
    )
    before, serving = _probe(probe)
    assert before == serving == [700, 0]
