"""A Redis that may evict keys would drop revocations silently: `/ready` fails and start-up
says so, naming `maxmemory-policy` and `noeviction`. Each test runs a redis-server of its own on
its own port, as the policy is a server setting."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.auth.tests.integration.redis_server import RedisProcess
from apps.auth.tests.support import API

EVICTING = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-ttl"]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Callable[[str], RedisProcess]]:
    started: list[RedisProcess] = []

    def start(policy: str) -> RedisProcess:
        server = RedisProcess(tmp_path / policy, "--maxmemory-policy", policy)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


@pytest.mark.parametrize("policy", EVICTING)
async def test_an_evicting_redis_fails_ready_and_is_reported_at_start_up(
    app_factory: Callable[..., Any], own_redis, caplog, policy: str
) -> None:
    server = own_redis(policy)
    async with app_factory(redis_url=f"redis://127.0.0.1:{server.port}/0") as api:
        with caplog.at_level(logging.ERROR, logger="auth.setup"):
            async with api.app.router.lifespan_context(api.app):
                ready = await api.client.get(f"{API}/ready")

    assert ready.status_code == 503, ready.text
    check = ready.json()["checks"]["redis"]
    assert policy in check and "maxmemory-policy noeviction" in check
    reported = [r.getMessage() for r in caplog.records if r.name == "auth.setup"]
    assert any("maxmemory-policy noeviction" in line for line in reported), reported


async def test_ready_fails_once_redis_is_switched_to_evicting_while_the_service_runs(
    app_factory: Callable[..., Any], own_redis
) -> None:
    server = own_redis("noeviction")
    async with app_factory(redis_url=f"redis://127.0.0.1:{server.port}/0") as api:
        assert (await api.client.get(f"{API}/ready")).status_code == 200
        with server.client() as client:
            client.config_set("maxmemory-policy", "volatile-lfu")

        ready = await api.client.get(f"{API}/ready")

    assert ready.status_code == 503
    assert "noeviction" in ready.json()["checks"]["redis"]
