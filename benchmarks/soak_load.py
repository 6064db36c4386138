"""The traffic of `benchmarks/soak.py`: browsers that log in, verify, refresh and log out."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field

import httpx

API = "/api/v1/auth"
VERIFIES_PER_TOKEN = 3


@dataclass
class Tally:
    """What the load saw: latencies per endpoint, errors, and what the checks need."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    users: set[str] = field(default_factory=set)
    logged_out_jtis: set[str] = field(default_factory=set)
    flows: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def fail(self, endpoint: str, detail: str) -> None:
        self.errors[endpoint] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{endpoint}: {detail[:200]}")

    def p99_ms(self, endpoint: str) -> float:
        values = sorted(self.latencies[endpoint])
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(len(values) * 0.99))] * 1000


async def _timed(
    tally: Tally, endpoint: str, call: Awaitable[httpx.Response], expect: int
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await call
    except httpx.HTTPError as error:
        tally.latencies[endpoint].append(time.perf_counter() - started)
        tally.fail(endpoint, f"{type(error).__name__}: {error}")
        return None
    tally.latencies[endpoint].append(time.perf_counter() - started)
    if response.status_code != expect:
        tally.fail(endpoint, f"{response.status_code} {response.text}")
        return None
    return response


def _claim(token: str, name: str) -> str:
    body = token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))[name])


async def _login(client: httpx.AsyncClient, tally: Tally) -> tuple[str, str] | None:
    client.cookies.clear()
    started = time.perf_counter()
    name = f"soak-{uuid.uuid4().hex[:12]}"
    try:
        first = await client.get(
            f"{API}/dev/authorize", params={"redirect": "true", "login_hint": name}
        )
        at_idp = await client.get(first.headers["location"])
        done = await client.get(at_idp.headers["location"])
    except (httpx.HTTPError, KeyError) as error:
        tally.fail("login", f"{type(error).__name__}: {error}")
        return None
    tally.latencies["login"].append(time.perf_counter() - started)
    if done.status_code != 302 or "#/home" not in done.headers.get("location", ""):
        tally.fail("login", f"{done.status_code} {done.headers.get('location')}")
        return None
    return done.cookies["s_access"], done.cookies["s_refresh"]


async def _verify(client: httpx.AsyncClient, tally: Tally, access: str, expect: int) -> None:
    for _ in range(VERIFIES_PER_TOKEN if expect == 200 else 1):
        call = client.get(f"{API}/verify", headers={"Authorization": f"Bearer {access}"})
        await _timed(tally, "verify", call, expect)


async def browser(client: httpx.AsyncClient, tally: Tally, deadline: float) -> None:
    """One flow at a time until the deadline; a flow that started always ends in a logout."""
    while time.monotonic() < deadline:
        tokens = await _login(client, tally)
        if tokens is None:
            await asyncio.sleep(0.1)
            continue
        access, refresh = tokens
        tally.users.add(_claim(access, "sub"))
        await _verify(client, tally, access, 200)
        client.cookies.clear()
        call = client.post(f"{API}/refresh", headers={"X-Refresh-Token": f"Bearer {refresh}"})
        refreshed = await _timed(tally, "refresh", call, 201)
        if refreshed is not None:
            access, refresh = refreshed.cookies["s_access"], refreshed.cookies["s_refresh"]
            await _verify(client, tally, access, 200)
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {access}", "X-Refresh-Token": f"Bearer {refresh}"}
        if await _timed(tally, "logout", client.post(f"{API}/logout", headers=headers), 200):
            tally.logged_out_jtis.add(_claim(access, "jti"))
            await _verify(client, tally, access, 403)
        tally.flows += 1
