from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ADMIN_DSN = os.environ.get("BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
# The checkout the benchmarks belong to; `make bench-compare` also runs another commit's.
ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINT = Path("apps/auth/setup/serve.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The bare comparison endpoint runs under plain uvicorn; the API, and anything that wraps it
# (the canary demo's fault layer), runs through the service's own entry point, as production.
BARE_TARGET = "benchmarks.bare_app:app"


def server_command(target: str, port: int, root: Path = ROOT) -> list[str]:
    """How every benchmark and demo starts an ASGI app: one process, one worker.

    A checkout from before the service had its own entry point (`root` without
    `apps/auth/setup/serve.py`) is started the way it was then: with plain uvicorn.
    """
    address = ["--host", "127.0.0.1", "--port", str(port)]
    if target != BARE_TARGET and (root / ENTRY_POINT).exists():
        return [sys.executable, "-m", "apps.auth.setup.serve", "--app", target, *address]
    uvicorn = [sys.executable, "-m", "uvicorn", target, *address, "--workers", "1"]
    return [*uvicorn, "--no-access-log", "--log-level", "warning"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live children (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return own + sum(cpu_seconds(int(child)) for child in children)


class Server:
    """One server process, one worker, as production runs it; stopped on exit.

    `root` is the checkout whose code it serves: this one unless told otherwise.
    """

    def __init__(self, target: str, env: dict[str, str], root: Path = ROOT) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.target = target
        self.root = root
        self.env = {
            **os.environ,
            **env,
            "AUTH_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port}",
            "PYTHONPATH": str(root),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            server_command(self.target, self.port, self.root),
            cwd=self.root,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                httpx.get(
                    f"{self.base_url}/health" if "auth" in self.target else f"{self.base_url}/ping",
                    timeout=1,
                )
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.target} did not start")

    def cpu_seconds(self) -> float:
        assert self.process is not None, "the server is not running"
        return cpu_seconds(self.process.pid)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)


@contextmanager
def throwaway_database(root: Path = ROOT) -> Iterator[str]:
    """A new database migrated by `root`'s own Alembic history; dropped on exit."""
    name = f"auth_bench_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", ADMIN_DSN, "-qc", f"CREATE DATABASE {name}"], check=True)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        subprocess.run(
            [sys.executable, "-m", "alembic", "-c", "apps/auth/alembic.ini", "upgrade", "head"],
            cwd=root,
            env={**os.environ, "AUTH_DATABASE_URL": url, "PYTHONPATH": str(root)},
            check=True,
            capture_output=True,
        )
        yield url
    finally:
        subprocess.run(
            ["psql", ADMIN_DSN, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False
        )
