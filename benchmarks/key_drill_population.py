"""The drill's users: live sessions that call the APIs through the gateway and refresh before
their access token runs out, a few logging out and others signing in, and the tokens that were
revoked on the way, tried again and again."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field

import httpx

from benchmarks.key_drill_gateway import API, Gateway, signed_as, token_part


@dataclass(slots=True)
class Tally:
    forced_sign_ins: int = 0
    refusals: int = 0
    revoked_accepted: int = 0
    refreshes: int = 0
    checks: int = 0
    errors: int = 0


@dataclass(slots=True)
class Session:
    access: str
    refresh: str
    due: float

    def holds(self, alg: str, kid: str | None, issuer: str) -> bool:
        """Both tokens signed the way the current step signs, with a session claim."""
        return all(signed_as(t, alg, kid, issuer) for t in (self.access, self.refresh))


@dataclass(slots=True, kw_only=True)
class Population:
    size: int
    refresh_after: tuple[float, float]  # seconds after issue: a random point in this range
    sessions: list[Session] = field(default_factory=list)
    revoked_access: list[str] = field(default_factory=list)
    revoked_refresh: list[str] = field(default_factory=list)

    def due(self) -> float:
        return time.monotonic() + random.uniform(*self.refresh_after)

    async def sign_in(self, client: httpx.AsyncClient) -> Session:
        """The dev provider's login, in a browser of its own (the login binds to cookies)."""
        name = f"drill-{uuid.uuid4().hex[:12]}"
        async with httpx.AsyncClient(base_url=client.base_url, timeout=10) as browser:
            first = await browser.get(
                f"{API}/dev/authorize", params={"redirect": "true", "login_hint": name}
            )
            at_idp = await browser.get(first.headers["location"])
            done = await browser.get(at_idp.headers["location"])
        assert done.status_code == 302 and "#/home" in done.headers["location"], done.text
        access, refresh = done.cookies["s_access"], done.cookies["s_refresh"]
        return Session(access=access, refresh=refresh, due=self.due())

    async def run(
        self, client: httpx.AsyncClient, gateway: Gateway, tally: Tally, seconds: float
    ) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.gather(*(self._use(client, gateway, tally, s) for s in self.sessions))
            await self._churn(client, tally)
            await self._probe_revoked(client, gateway, tally)
            await asyncio.sleep(0.2)

    async def _use(
        self, client: httpx.AsyncClient, gateway: Gateway, tally: Tally, session: Session
    ) -> None:
        tally.checks += 1
        if await gateway.status(session.access) != 200:
            tally.refusals += 1
            session.due = 0.0
        if time.monotonic() >= session.due:
            await self._refresh(client, tally, session)

    async def _refresh(self, client: httpx.AsyncClient, tally: Tally, session: Session) -> None:
        answer = await client.post(
            f"{API}/refresh", headers={"X-Refresh-Token": f"Bearer {session.refresh}"}
        )
        if answer.status_code == 201:
            tally.refreshes += 1
            # Rotation revokes the access token it replaces; v1's, adopted, lives out its life
            # as v1 would have let it.
            if token_part(session.access, 1).get("sid"):
                self.revoked_access.append(session.access)
            session.access, session.refresh = (
                answer.cookies["s_access"],
                answer.cookies["s_refresh"],
            )
            session.due = self.due()
            return
        if answer.status_code >= 500:
            tally.errors += 1
            return
        tally.forced_sign_ins += 1
        fresh = await self.sign_in(client)
        session.access, session.refresh, session.due = fresh.access, fresh.refresh, fresh.due

    async def _churn(self, client: httpx.AsyncClient, tally: Tally) -> None:
        """Now and then one user logs out and another signs in."""
        if not self.sessions or random.random() > 0.1:
            return
        leaving = self.sessions.pop(random.randrange(len(self.sessions)))
        answer = await client.post(
            f"{API}/logout",
            headers={
                "Authorization": f"Bearer {leaving.access}",
                "X-Refresh-Token": f"Bearer {leaving.refresh}",
            },
        )
        if answer.status_code == 200:
            self.revoked_access.append(leaving.access)
            self.revoked_refresh.append(leaving.refresh)
        else:
            tally.errors += 1
        self.sessions.append(await self.sign_in(client))

    async def _probe_revoked(
        self, client: httpx.AsyncClient, gateway: Gateway, tally: Tally
    ) -> None:
        for access in random.sample(self.revoked_access, min(3, len(self.revoked_access))):
            if await gateway.status(access) == 200:
                tally.revoked_accepted += 1
        for refresh in random.sample(self.revoked_refresh, min(2, len(self.revoked_refresh))):
            answer = await client.post(
                f"{API}/refresh", headers={"X-Refresh-Token": f"Bearer {refresh}"}
            )
            if answer.status_code == 201:
                tally.revoked_accepted += 1
