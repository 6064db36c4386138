"""Kakao logins of a returning user through the fake provider, with users in this service's own
tables and with Eco²'s users service (our gRPC double on real Postgres) as their owner."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.fake_provider_app import fake_provider_app
from apps.auth.tests.fakes.live_server import LiveServer
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.fakes.users_service import UsersServiceDouble
from benchmarks.servers import Server
from benchmarks.wrk import Figures

LOGINS = 200
CONCURRENCY = 16
TABLES_ROW = "Kakao login (fake provider), users in `auth.*`, logins/s (2 API requests each)"
GRPC_ROW = (
    "Kakao login (fake provider), users service over gRPC (double), logins/s (2 API requests each)"
)


async def _login(client: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    client.cookies.clear()
    first = await client.get("/api/v1/auth/kakao/authorize", params={"redirect": "true"})
    at_provider = await client.get(first.headers["location"])
    done = await client.get(at_provider.headers["location"])
    assert done.status_code == 302 and "#/home" in done.headers["location"], done.headers
    return time.perf_counter() - started


async def _logins(base_url: str) -> Figures:
    latencies: list[float] = []

    async def worker(offset: int) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            for _ in range(offset, LOGINS, CONCURRENCY):
                latencies.append(await _login(client) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": 2.0 * LOGINS,
        "rps": LOGINS / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": 0.0,
    }


@contextmanager
def _users_service(database_url: str) -> Iterator[UsersServiceDouble]:
    """The double on an event loop of its own thread, as a separate service would run."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    double = asyncio.run_coroutine_threadsafe(
        UsersServiceDouble(database_url).start(), loop
    ).result()
    try:
        yield double
    finally:
        asyncio.run_coroutine_threadsafe(double.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()


def measure(env: dict[str, str], database_url: str) -> list[tuple[str, Figures]]:
    fake = FakeProvider()
    provider = LiveServer(fake_provider_app(fake)).start()
    fake.base_url = provider.base_url
    fake.sign_in_as("kakao", FakeUser(subject="bench-returning-user"))
    kakao = {
        **env,
        "AUTH_ENABLED_PROVIDERS": "kakao",
        "AUTH_KAKAO_CLIENT_ID": fake.client_id,
        "AUTH_KAKAO_CLIENT_SECRET": fake.client_secret,
        "AUTH_KAKAO_BASE_URL": fake.base_url,
    }
    rows: list[tuple[str, Figures]] = []
    try:
        with _users_service(database_url) as users:
            grpc = {
                **kakao,
                "AUTH_USERS_GRPC_TARGET": users.target,
                "AUTH_USERS_HTTP_BASE_URL": users.http_url,
            }
            for name, settings in ((TABLES_ROW, kakao), (GRPC_ROW, grpc)):
                with Server("apps.auth.setup.main:app", settings) as api:
                    before = api.cpu_seconds()
                    figures = asyncio.run(_logins(api.base_url))
                    figures["cpu_ms"] = (api.cpu_seconds() - before) * 1000 / (2 * LOGINS)
                    rows.append((name, figures))
    finally:
        provider.stop()
    return rows
