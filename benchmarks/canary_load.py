"""Two local auth API instances (stable and canary) and a mixed client load against them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from benchmarks.servers import free_port, server_command

API = "/api/v1/auth"
_GENEROUS_LIMITS = {
    "AUTH_RATE_LIMIT_AUTHORIZE": "1000000",
    "AUTH_RATE_LIMIT_CALLBACK": "1000000",
    "AUTH_RATE_LIMIT_REFRESH_PER_IP": "1000000",
    "AUTH_RATE_LIMIT_REFRESH_PER_USER": "1000000",
}


@dataclass
class Instance:
    """One uvicorn process in embedded mode (no database, no Redis), as `make run` starts it."""

    release: str
    version: str
    target: str = "apps.auth.setup.main:app"
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
        env.update(
            {
                "AUTH_ENVIRONMENT": "local",
                "AUTH_LOG_LEVEL": "ERROR",
                "AUTH_PUBLIC_BASE_URL": self.base_url,
                "RELEASE_TYPE": self.release,
                **_GENEROUS_LIMITS,
                **self.extra_env,
            }
        )
        self.process = subprocess.Popen(server_command(self.target, self.port), env=env)

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.release} instance exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.release} instance did not answer /health in {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def drive(base_url: str, seconds: float, workers: int) -> Counter[str]:
    """Users logging in, verifying, refreshing and logging out until the time is up.

    Returns the status classes the clients saw (`2xx`, `3xx`, `4xx`, `5xx`, `error`).
    """
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(_user(base_url, deadline, seen) for _ in range(workers)))
    return seen


async def _user(base_url: str, deadline: float, seen: Counter[str]) -> None:
    """One browser: its own cookie jar, since the login binds its state to a cookie."""
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                await _session(client, seen)
            except httpx.HTTPError:
                seen["error"] += 1


async def _call(client: httpx.AsyncClient, seen: Counter[str], method: str, url: str, **kw: object):
    response = await client.request(method, url, **kw)  # type: ignore[arg-type]
    seen[f"{response.status_code // 100}xx"] += 1
    return response


async def _session(client: httpx.AsyncClient, seen: Counter[str]) -> None:
    name = f"demo-{uuid.uuid4().hex[:8]}"
    started = await _call(
        client, seen, "GET", f"{API}/dev/authorize", params={"redirect": "true", "login_hint": name}
    )
    if started.status_code != 302:
        return
    at_idp = await _call(client, seen, "GET", started.headers["location"])
    if at_idp.status_code != 302:
        return
    done = await _call(client, seen, "GET", at_idp.headers["location"])
    access, refresh = done.cookies.get("s_access"), done.cookies.get("s_refresh")
    client.cookies.clear()
    if not access or not refresh:
        return
    for _ in range(3):
        await _call(client, seen, "GET", f"{API}/verify", headers=_bearer(access))
    await _call(client, seen, "GET", f"{API}/verify", headers=_bearer("not-a-token"))
    await _call(client, seen, "GET", f"{API}/me", headers=_bearer(access))
    rotated = await _call(
        client, seen, "POST", f"{API}/refresh", headers={"X-Refresh-Token": f"Bearer {refresh}"}
    )
    client.cookies.clear()
    if rotated.status_code == 201:
        access = rotated.cookies.get("s_access") or access
        refresh = rotated.cookies.get("s_refresh") or refresh
    headers = {**_bearer(access), "X-Refresh-Token": f"Bearer {refresh}"}
    await _call(client, seen, "POST", f"{API}/logout", headers=headers)
    client.cookies.clear()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
