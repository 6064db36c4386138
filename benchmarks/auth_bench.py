"""`make bench` for the auth API: uvicorn processes on real Postgres and Redis, wrk as the load.

Measures requests/s, p50/p99 latency and the serving process's CPU milliseconds per request
for /verify, /refresh and the full dev-provider login, next to a bare FastAPI endpoint
served the same way in the same run.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from benchmarks import identity_bench
from benchmarks.results import EndpointRow, endpoint_table
from benchmarks.servers import ROOT, Server, throwaway_database
from benchmarks.wrk import CONNECTIONS, DURATION, Figures, measured

LOGINS = 300
# Drives /refresh: each response's new refresh cookie feeds a later request.
REFRESH_SCRIPT = ROOT / "benchmarks" / "refresh_chain.lua"
LOGIN_ROW = "full dev login, logins/s (3 requests each, 16 concurrent, Python client)"


async def _login(client: httpx.AsyncClient, name: str) -> tuple[str, str, float]:
    started = time.perf_counter()
    client.cookies.clear()
    first = await client.get(
        "/api/v1/auth/dev/authorize", params={"redirect": "true", "login_hint": name}
    )
    idp = await client.get(first.headers["location"])
    done = await client.get(idp.headers["location"])
    assert done.status_code == 302 and "#/home" in done.headers["location"], done.text
    return done.cookies["s_access"], done.cookies["s_refresh"], time.perf_counter() - started


async def logins(
    base_url: str, count: int, concurrency: int
) -> tuple[list[tuple[str, str]], dict[str, float]]:
    results: list[tuple[str, str, float]] = []

    async def worker(offset: int) -> None:
        async with httpx.AsyncClient(base_url=base_url) as client:
            for index in range(offset, count, concurrency):
                results.append(await _login(client, f"bench-{index}"))

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies = sorted(r[2] * 1000 for r in results)
    figures = {
        "requests": 3.0 * count,
        "rps": count / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": 0.0,
    }
    return [(a, r) for a, r, _ in results], figures


# The compatibility profile the Eco² overlays run during the cut-over from v1.
CUTOVER_PROFILE = {
    "AUTH_JWT_ALGORITHM": "HS256",
    "AUTH_JWT_SECRET": secrets.token_urlsafe(48),
    "AUTH_JWT_ISSUER": "api.dev.growbin.app/api/v1/auth",
    "AUTH_JWT_AUDIENCE": "api",
    "AUTH_LEGACY_SESSIONS": "true",
}


# In production a user refreshes every quarter of an hour, long after the owner of users last
# answered about them (the answer is kept at most a minute), so nearly every refresh asks it;
# the bench's users refresh many times a second. This profile asks on every refresh.
ASKS_EVERY_TIME = {"AUTH_USERS_CACHE_SECONDS": "0"}
ASKING_ROW = "`POST /refresh`, the owner of users asked every time (`AUTH_USERS_CACHE_SECONDS=0`)"


def api_env(database_url: str) -> dict[str, str]:
    return {
        "AUTH_ENVIRONMENT": "test",
        "AUTH_DATABASE_URL": database_url,
        "AUTH_REDIS_URL": "redis://127.0.0.1:6379/0",
        "AUTH_LOG_LEVEL": "INFO",
        "AUTH_FRONTEND_ORIGINS": "https://app.eco2.test",
        "AUTH_ENABLED_PROVIDERS": "dev",
        "AUTH_OUTBOX_STREAM": f"bench:outbox:{os.getpid()}",
        "AUTH_RATE_LIMIT_AUTHORIZE": "0",
        "AUTH_RATE_LIMIT_CALLBACK": "0",
        "AUTH_RATE_LIMIT_REFRESH_PER_IP": "0",
        "AUTH_RATE_LIMIT_REFRESH_PER_USER": "0",
        "AUTH_JWT_PRIVATE_KEY": generate_ec_private_pem(),
        "AUTH_JWT_KEY_ID": "bench-1",
    }


def measure() -> tuple[str, list[EndpointRow]]:
    """Every row, the bare baseline first (the mean of its runs before and after the API's)."""
    rows: list[tuple[str, Figures]] = []
    with throwaway_database() as database_url, tempfile.TemporaryDirectory() as tmp:
        env = api_env(database_url)
        with (
            Server("benchmarks.bare_app:app", {}) as bare,
            Server("apps.auth.setup.main:app", env) as api,
            Server("apps.auth.setup.main:app", {**env, **CUTOVER_PROFILE}) as cutover,
            Server("apps.auth.setup.main:app", {**env, **ASKS_EVERY_TIME}) as asking,
        ):
            first_bare = measured(bare, f"{bare.base_url}/ping")
            before = api.cpu_seconds()
            sessions, login_figures = asyncio.run(logins(api.base_url, LOGINS, 16))
            login_figures["cpu_ms"] = (api.cpu_seconds() - before) * 1000 / (3 * LOGINS)
            bearer = f"Authorization: Bearer {sessions[0][0]}"
            verify = "/api/v1/auth/verify"
            rows.append(("`GET /verify`", measured(api, f"{api.base_url}{verify}", "-H", bearer)))
            script = (str(REFRESH_SCRIPT),)
            token_file = Path(tmp) / "refresh.txt"
            token_file.write_text("\n".join(r for _, r in sessions[1:]))
            refresh = f"{api.base_url}/api/v1/auth/refresh"
            rows.append(
                (
                    "`POST /refresh`",
                    measured(api, refresh, "-s", *script, script_args=(str(token_file),)),
                )
            )
            legacy_sessions, _ = asyncio.run(logins(cutover.base_url, LOGINS, 16))
            legacy_file = Path(tmp) / "refresh-cutover.txt"
            legacy_file.write_text("\n".join(r for _, r in legacy_sessions))
            rows.append(
                (
                    "`POST /refresh`, cut-over profile (HS256, `AUTH_LEGACY_SESSIONS=true`)",
                    measured(
                        cutover,
                        f"{cutover.base_url}/api/v1/auth/refresh",
                        "-s",
                        *script,
                        script_args=(str(legacy_file),),
                    ),
                )
            )
            asking_sessions, _ = asyncio.run(logins(asking.base_url, LOGINS, 16))
            asking_file = Path(tmp) / "refresh-asking.txt"
            asking_file.write_text("\n".join(r for _, r in asking_sessions))
            rows.append(
                (
                    ASKING_ROW,
                    measured(
                        asking,
                        f"{asking.base_url}/api/v1/auth/refresh",
                        "-s",
                        *script,
                        script_args=(str(asking_file),),
                    ),
                )
            )
            rows.append((LOGIN_ROW, login_figures))
            rows += identity_bench.measure(env, database_url)
            again = measured(bare, f"{bare.base_url}/ping")
    bare_mean = {k: (first_bare[k] + again[k]) / 2 for k in again}
    setup = (
        f"1 uvicorn worker per process, `wrk -t1 -c{CONNECTIONS} -d{DURATION}`; the bare "
        "endpoint is measured first and last (its row is the mean)."
    )
    return setup, [_row(name, f) for name, f in [("bare FastAPI `/ping`", bare_mean), *rows]]


def _row(name: str, f: Figures) -> EndpointRow:
    return EndpointRow(name, f["rps"], f["p50"], f["p99"], f["cpu_ms"], int(f["errors"]))


def main() -> int:
    setup, rows = measure()
    print(f"\nAuth API bench: {setup}\n")
    print("\n".join(endpoint_table(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
