"""The auth API started the way production starts it (`python -m apps.auth.setup.serve`), in
embedded mode on a port of its own, for attacks that only a real HTTP server exposes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from apps.auth.tests.integration.redis_server import free_port

ROOT = Path(__file__).resolve().parents[4]
SERVE = [sys.executable, "-m", "apps.auth.setup.serve"]


def clean_env(**auth: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "RELEASE"))}
    return {**env, "PYTHONPATH": str(ROOT), "AUTH_LOG_LEVEL": "WARNING", **auth}


class ServedApi:
    def __init__(self, **settings: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(
            AUTH_ENVIRONMENT="local",
            AUTH_PUBLIC_BASE_URL=self.base_url,
            AUTH_FRONTEND_ORIGINS="https://app.eco2.test",
            **settings,
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServedApi:
        self.process = subprocess.Popen(
            [*SERVE, "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.communicate()[1].decode())
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the auth API did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()
