"""Browsers that log in, verify, refresh and log out against one app, and what they saw.

Each browser has its own cookie jar for the login dance, then presents tokens in headers only:
the jar is emptied before each call, so a cookie set by an answer never rides along. Every
answer is written down with its time, so the test can tell what happened before the primary
died, during the switch, and after.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from apps.auth.tests.support import API, BASE_URL, bearer, path_of, refresh_header


@dataclass
class Ledger:
    """Everything the browsers were told, in the order they were told it."""

    started: float = field(default_factory=time.monotonic)
    killed_at: float | None = None
    answers: list[tuple[float, str, int]] = field(default_factory=list)
    login_failures: Counter[str] = field(default_factory=Counter)
    logged_out: list[tuple[str, str]] = field(default_factory=list)
    rotations: list[tuple[str, str]] = field(default_factory=list)
    unanswered_rotations: list[str] = field(default_factory=list)
    cycles_after_kill: int = 0
    after_logout: Callable[[], None] = lambda: None

    def note(self, operation: str, status: int) -> None:
        self.answers.append((time.monotonic(), operation, status))

    def statuses(self) -> set[int]:
        return {status for _, _, status in self.answers}

    def after_kill(self, status: int) -> list[float]:
        assert self.killed_at is not None
        return [t for t, _, s in self.answers if t >= self.killed_at and s == status]


class Browser:
    def __init__(self, app: object, ledger: Ledger) -> None:
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url=BASE_URL,
        )
        self.ledger = ledger

    async def aclose(self) -> None:
        await self._client.aclose()

    async def login(self) -> tuple[str, str] | None:
        self._client.cookies.clear()
        started = await self._client.get(
            f"{API}/dev/authorize",
            params={"redirect": "true", "login_hint": f"failover-{uuid.uuid4().hex[:10]}"},
        )
        self.ledger.note("authorize", started.status_code)
        if started.status_code != 302:
            return None
        at_idp = await self._client.get(path_of(started.headers["location"]))
        callback = await self._client.get(path_of(at_idp.headers["location"]))
        self.ledger.note("callback", callback.status_code)
        location = callback.headers.get("location", "")
        if "#/home" not in location:
            self.ledger.login_failures[location.rpartition("error=")[2] or location] += 1
            return None
        tokens = callback.cookies["s_access"], callback.cookies["s_refresh"]
        self._client.cookies.clear()
        return tokens

    async def verify(self, access: str) -> int:
        self._client.cookies.clear()
        response = await self._client.get(f"{API}/verify", headers=bearer(access))
        self.ledger.note("verify", response.status_code)
        return response.status_code

    async def refresh(self, refresh: str) -> tuple[str, str] | None:
        self._client.cookies.clear()
        response = await self._client.post(f"{API}/refresh", headers=refresh_header(refresh))
        self.ledger.note("refresh", response.status_code)
        if response.status_code == 503:
            self.ledger.unanswered_rotations.append(refresh)
        if response.status_code != 201:
            return None
        pair = response.cookies["s_access"], response.cookies["s_refresh"]
        self.ledger.rotations.append((refresh, pair[1]))
        return pair

    async def logout(self, access: str, refresh: str) -> int:
        self._client.cookies.clear()
        response = await self._client.post(
            f"{API}/logout", headers={**bearer(access), **refresh_header(refresh)}
        )
        self.ledger.note("logout", response.status_code)
        if response.status_code == 200:
            self.ledger.logged_out.append((access, refresh))
            self.ledger.after_logout()
        return response.status_code

    async def cycle(self, log_out: bool) -> bool:
        """One visit: log in, verify, refresh, verify, and log out or leave the session open.
        True when every step was answered as it would be with Redis healthy."""
        tokens = await self.login()
        if tokens is None or await self.verify(tokens[0]) != 200:
            return False
        rotated = await self.refresh(tokens[1])
        if rotated is None or await self.verify(rotated[0]) != 200:
            return False
        if not log_out:
            return True
        if await self.logout(*rotated) != 200:
            return False
        return await self.verify(rotated[0]) == 403
