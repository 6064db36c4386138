from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.auth_relay.tests.integration.conftest import free_port

PASSWORD = "sentinel-test-secret"
MASTER = "relaytest"


def _binary() -> str:
    found = shutil.which("redis-server")
    assert found, "redis-server is not on PATH: run scripts/ci-tools.sh"
    return found


async def _answers(client: Redis, seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while True:
            with contextlib.suppress(RedisConnectionError, OSError):
                if await client.ping():
                    return
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def _process(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        _binary(), *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def master_and_sentinel(workdir: Path) -> AsyncIterator[tuple[int, int]]:
    """A password-protected redis-server and a sentinel monitoring it, on their own free ports."""
    port, sentinel_port = free_port(), free_port()
    config = workdir / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\n"
        "bind 127.0.0.1\n"
        f"dir {workdir}\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {port} 1\n"
        f"sentinel auth-pass {MASTER} {PASSWORD}\n"
        f"sentinel down-after-milliseconds {MASTER} 5000\n"
    )
    server_args = ("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly")
    async with (
        _process(*server_args, "no", "--requirepass", PASSWORD, "--dir", str(workdir)),
        _process(str(config), "--sentinel"),
    ):
        master = Redis(port=port, password=PASSWORD)
        sentinel = Redis(port=sentinel_port)
        try:
            await _answers(master)
            await _answers(sentinel)
            yield port, sentinel_port
        finally:
            await master.aclose()
            await sentinel.aclose()
