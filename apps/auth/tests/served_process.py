"""The auth API as production starts it (`python -m apps.auth.setup.serve`), with its output
kept in a file, for tests that read what the process logs as well as what it answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from apps.auth.tests.integration.redis_server import free_port

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True, slots=True, kw_only=True)
class Served:
    base_url: str
    output: Path

    def log(self) -> str:
        return self.output.read_text()


def process_env(**auth: str) -> dict[str, str]:
    """This environment without any AUTH_/RELEASE variable of the caller's, plus `auth`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "RELEASE"))}
    return {**env, "PYTHONPATH": str(ROOT), **auth}


@contextmanager
def served(output: Path, **auth: str) -> Iterator[Served]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = process_env(AUTH_PUBLIC_BASE_URL=base_url, **auth)
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "apps.auth.setup.serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_health(process, base_url, output)
        yield Served(base_url=base_url, output=output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_health(process: subprocess.Popen[bytes], base_url: str, output: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the auth API exited:\n{output.read_text()}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the auth API did not start:\n{output.read_text()}")
