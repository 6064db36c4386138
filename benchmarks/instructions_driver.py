"""Runs inside callgrind for `make bench-instructions`: signs users in, then refreshes their
sessions through the app's ASGI interface with callgrind's instrumentation on for the measured
refreshes alone.

Self-contained on purpose: it is started by path with `PYTHONPATH` set to the checkout under
measurement (this one or another commit's worktree), so it imports nothing from `benchmarks`
and reaches the app only through its module path, its lifespan and its HTTP endpoints.

Writes one JSON object to `--out`: the refreshes measured and how many of them, or of the
warm-up's, were not answered 201.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import subprocess
import sys
from collections import deque
from typing import Any

import httpx

BASE_URL = "http://127.0.0.1:8000"
REFRESH_PATH = "/api/v1/auth/refresh"
REFRESH_COOKIE = b"s_refresh="


async def _refresh(app: Any, token: str) -> tuple[int, str | None]:
    """One `POST /refresh` as the mesh and the bench send it (the token in a header); the
    status and the new refresh token."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": REFRESH_PATH,
        "raw_path": REFRESH_PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"x-refresh-token", b"Bearer " + token.encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    answer: dict[str, Any] = {"status": 0, "token": None}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] != "http.response.start":
            return
        answer["status"] = message["status"]
        for name, value in message["headers"]:
            if name == b"set-cookie" and value.startswith(REFRESH_COOKIE):
                answer["token"] = value.split(b";", 1)[0][len(REFRESH_COOKIE) :].decode()

    await app(scope, receive, send)
    return answer["status"], answer["token"]


async def _sign_in(app: Any, users: int) -> list[str]:
    tokens = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        for index in range(users):
            client.cookies.clear()
            first = await client.get(
                "/api/v1/auth/dev/authorize",
                params={"redirect": "true", "login_hint": f"instructions-{index}"},
            )
            provider = await client.get(first.headers["location"])
            done = await client.get(provider.headers["location"])
            tokens.append(done.cookies["s_refresh"])
    return tokens


async def _chain(app: Any, tokens: deque[str], count: int, concurrency: int) -> int:
    """`count` refreshes by `concurrency` clients, each new token queued behind the others;
    the number not answered 201."""
    remaining = [count]
    failed = [0]

    async def client() -> None:
        while remaining[0] > 0 and tokens:
            remaining[0] -= 1
            status, token = await _refresh(app, tokens.popleft())
            if status != 201 or token is None:
                failed[0] += 1
            else:
                tokens.append(token)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return failed[0] + remaining[0]


def _tune_gc() -> None:
    """The collector as the measured version's entry point leaves it after start-up."""
    try:
        from apps.auth.setup.serve import tune_gc
    except ImportError:
        gc.collect()
        gc.freeze()
        return
    tune_gc()


def _callgrind(switch: str) -> None:
    subprocess.run(
        ["callgrind_control", "--instr", switch, str(os.getpid())],
        check=True,
        capture_output=True,
    )


async def _drive(arguments: argparse.Namespace) -> dict[str, int]:
    app = importlib.import_module(arguments.app).app
    async with app.router.lifespan_context(app):
        tokens = deque(await _sign_in(app, arguments.users))
        warm_failed = await _chain(app, tokens, arguments.warm, arguments.concurrency)
        _tune_gc()
        _callgrind("on")
        failed = await _chain(app, tokens, arguments.refreshes, arguments.concurrency)
        _callgrind("off")
    return {"refreshes": arguments.refreshes, "failed": failed + warm_failed}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", default="apps.auth.setup.main")
    parser.add_argument("--users", type=int, default=64)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--refreshes", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", required=True, help="where the JSON outcome is written")
    arguments = parser.parse_args()
    try:
        import uvloop

        outcome = uvloop.run(_drive(arguments))
    except ImportError:
        outcome = asyncio.run(_drive(arguments))
    with open(arguments.out, "w") as out:
        json.dump(outcome, out)
    return 0 if outcome["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
