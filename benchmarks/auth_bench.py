"""`make bench` for the auth API: uvicorn processes on real Postgres and Redis, wrk as the load.

Prints a Markdown table of requests/s and p50/p99 latency for /verify, /refresh and the full
dev-provider login, next to a bare FastAPI endpoint served the same way in the same run.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from benchmarks.servers import Server, throwaway_database

DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "64"))
ROOT = Path(__file__).resolve().parent.parent


def wrk(url: str, *args: str, script_args: tuple[str, ...] = ()) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", *args, url]
    if script_args:
        command += ["--", *script_args]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _millis(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
        "p99": _millis(re.search(r"99%\s+([\d.]+\w+)", out).group(1)),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def _millis(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


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
        "rps": count / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": 0.0,
    }
    return [(a, r) for a, r, _ in results], figures


def main() -> int:
    rows: list[tuple[str, dict[str, float]]] = []
    with throwaway_database() as database_url, tempfile.TemporaryDirectory() as tmp:
        env = {
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
        cached_env = {**env, "AUTH_REVOCATION_CACHE_SECONDS": "0.5"}
        with (
            Server("benchmarks.bare_app:app", {}) as bare,
            Server("apps.auth.setup.main:app", env) as api,
            Server("apps.auth.setup.main:app", cached_env) as cached,
        ):
            rows.append(("bare FastAPI `/ping`", wrk(f"{bare.base_url}/ping")))
            sessions, login_figures = asyncio.run(logins(api.base_url, 300, 16))
            bearer = f"Authorization: Bearer {sessions[0][0]}"
            verify = "/api/v1/auth/verify"
            rows.append(("`GET /verify`", wrk(f"{api.base_url}{verify}", "-H", bearer)))
            rows.append(
                (
                    "`GET /verify`, `AUTH_REVOCATION_CACHE_SECONDS=0.5`",
                    wrk(f"{cached.base_url}{verify}", "-H", bearer),
                )
            )
            token_file = Path(tmp) / "refresh.txt"
            token_file.write_text("\n".join(r for _, r in sessions[1:]))
            script = str(ROOT / "benchmarks" / "refresh_chain.lua")
            refresh_url = f"{api.base_url}/api/v1/auth/refresh"
            rows.append(
                ("`POST /refresh`", wrk(refresh_url, "-s", script, script_args=(str(token_file),)))
            )
            rows.append(
                (
                    "full dev login, logins/s (3 requests each, 16 concurrent, Python client)",
                    login_figures,
                )
            )
            again = wrk(f"{bare.base_url}/ping")
            rows[0] = (rows[0][0], {k: (rows[0][1][k] + again[k]) / 2 for k in again})
    bare_rps = rows[0][1]["rps"]
    print(f"\nAuth API bench: 1 uvicorn worker per process, wrk -t1 -c{CONNECTIONS} -d{DURATION}")
    print("(bare endpoint measured first and last; its row is the mean)\n")
    print("| endpoint | requests/s | × bare | p50 ms | p99 ms | non-2xx/3xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, f in rows:
        ratio = f["rps"] / bare_rps
        print(
            f"| {name} | {f['rps']:.0f} | {ratio:.2f} | {f['p50']:.2f} | {f['p99']:.2f} "
            f"| {f['errors']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
