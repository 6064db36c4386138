from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

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


@dataclass(frozen=True)
class Topology:
    master_port: int
    replica_port: int
    sentinel_port: int


@contextlib.asynccontextmanager
async def master_replica_sentinel(workdir: Path) -> AsyncIterator[Topology]:
    """A password-protected master, its replica and a sentinel watching them, on free ports."""
    ports = Topology(free_port(), free_port(), free_port())
    config = workdir / "sentinel.conf"
    config.write_text(
        f"port {ports.sentinel_port}\n"
        "bind 127.0.0.1\n"
        f"dir {workdir}\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {ports.master_port} 1\n"
        f"sentinel auth-pass {MASTER} {PASSWORD}\n"
        f"sentinel down-after-milliseconds {MASTER} 5000\n"
    )
    common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir))
    # Redis waits 5 s by default before a diskless full sync, hoping more replicas join.
    common += ("--repl-diskless-sync-delay", "0")
    secured = ("--requirepass", PASSWORD, "--masterauth", PASSWORD)
    replica_of = ("--replicaof", "127.0.0.1", str(ports.master_port))
    async with (
        _process("--port", str(ports.master_port), *common, *secured),
        _process("--port", str(ports.replica_port), *common, *secured, *replica_of),
    ):
        replica = Redis(port=ports.replica_port, password=PASSWORD)
        await _answers(replica)
        await _until_synced(replica)
        async with _process(str(config), "--sentinel"):
            sentinel = Redis(port=ports.sentinel_port)
            try:
                await _answers(sentinel)
                yield ports
            finally:
                await sentinel.aclose()
                await replica.aclose()


async def _until_synced(replica: Redis, seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while (await replica.info("replication")).get("master_link_status") != "up":
            await asyncio.sleep(0.05)


async def fail_over(sentinel_port: int, seconds: float = 30.0) -> int:
    """Has the sentinel promote the replica; returns the new master's port once it is one."""
    sentinel = Redis(port=sentinel_port)
    try:
        async with asyncio.timeout(seconds):
            old = await _master_port(sentinel)
            while True:
                try:
                    await sentinel.execute_command("SENTINEL", "FAILOVER", MASTER)
                    break
                except ResponseError as exc:
                    if "NOGOODSLAVE" not in str(exc) and "INPROG" not in str(exc):
                        raise
                await asyncio.sleep(0.2)
            while (new := await _master_port(sentinel)) == old:
                await asyncio.sleep(0.1)
            promoted = Redis(port=new, password=PASSWORD)
            try:
                while (await promoted.info("replication")).get("role") != "master":
                    await asyncio.sleep(0.1)
            finally:
                await promoted.aclose()
            return new
    finally:
        await sentinel.aclose()


async def _master_port(sentinel: Redis) -> int:
    _, port = await sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
    return int(port)
