"""redis-server processes of the test's own, on free ports, to kill, stall and restart at will."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    """Polls a condition a server reaches on its own (started, in sync, failed over)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, redis.RedisError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what}")


class RedisProcess:
    def __init__(self, directory: Path, *extra: str, password: str | None = None) -> None:
        self.directory = directory
        self.port = free_port()
        self.extra = extra
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    def command_line(self) -> list[str]:
        auth = ["--requirepass", self.password, "--masterauth", self.password]
        return [
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
            *("--dir", str(self.directory), "--save", "", "--repl-diskless-sync-delay", "0"),
            *(auth if self.password else []),
            *self.extra,
        ]

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            self.command_line(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until(self.ping, f"redis on {self.port}")

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, password=self.password, socket_timeout=1.0)

    def ping(self) -> bool:
        with self.client() as client:
            return bool(client.ping())

    def info(self, section: str) -> dict[str, Any]:
        with self.client() as client:
            return dict(client.info(section))

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


class ThrowawayRedis(RedisProcess):
    """A redis-server of the test's own on its own port, durable on every write, to kill at will."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, "--appendonly", "yes", "--appendfsync", "always")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
