"""A PostgreSQL 15 server of the test's own: initdb in a temp dir, its own port, killed at will.

The server runs in its own process group so `kill()` takes the postmaster *and* every backend
down at once, the way a crashed machine does (a postmaster killed alone leaves its backends
answering). As root, the server runs as the `postgres` user, since initdb refuses root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from apps.auth.tests.integration.redis_server import free_port

BIN = Path("/usr/lib/postgresql/15/bin")
START_SECONDS = 20.0


def _args(program: str, *args: object) -> list[str]:
    return [str(BIN / program), *(str(a) for a in args)]


def _run_as() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


class ThrowawayPostgres:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        user = _run_as()
        if user is not None:
            shutil.chown(self.directory, user=user)
        subprocess.run(
            _args("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync"),
            user=user,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            _args(
                "postgres",
                "-D",
                self.data,
                "-p",
                self.port,
                "-k",
                self.directory,
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=40",
            ),
            user=_run_as(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "server.log").open("ab"),
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("throwaway postgres exited while starting")
            if self._accepts():
                return
            time.sleep(0.05)
        raise RuntimeError("throwaway postgres did not start")

    def _accepts(self) -> bool:
        ready = subprocess.run(
            [str(BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
            check=False,
            timeout=5,
        )
        return ready.returncode == 0

    def kill(self) -> None:
        """SIGKILL to the whole process group: postmaster and backends die together."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _group_alive(self.data):
            time.sleep(0.05)


def _group_alive(data: Path) -> bool:
    """Whether any process still has the data directory open as its postmaster pid file."""
    pid_file = data / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True
