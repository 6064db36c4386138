from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One server process, one worker, as production runs it; stopped on exit."""

    def __init__(self, target: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.target = target
        self.env = {**os.environ, **env, "AUTH_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}"}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self._command(), env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(
                    f"{self.base_url}/health" if "auth" in self.target else f"{self.base_url}/ping",
                    timeout=1,
                )
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.target} did not start")

    def _command(self) -> list[str]:
        """The API as production starts it; the bare comparison app under plain uvicorn."""
        address = ["--host", "127.0.0.1", "--port", str(self.port)]
        if self.target.startswith("apps.auth."):
            return [sys.executable, "-m", "apps.auth.setup.serve", "--app", self.target, *address]
        uvicorn = [sys.executable, "-m", "uvicorn", self.target, *address, "--workers", "1"]
        return [*uvicorn, "--no-access-log", "--log-level", "warning"]

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"auth_bench_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", ADMIN_DSN, "-qc", f"CREATE DATABASE {name}"], check=True)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        subprocess.run(
            [sys.executable, "-m", "alembic", "-c", "apps/auth/alembic.ini", "upgrade", "head"],
            env={**os.environ, "AUTH_DATABASE_URL": url},
            check=True,
            capture_output=True,
        )
        yield url
    finally:
        subprocess.run(
            ["psql", ADMIN_DSN, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False
        )
