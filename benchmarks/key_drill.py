"""`make key-drill`: every key and claim change of the RUNBOOK's step 4 on real processes.

The API runs under uvicorn on a throwaway Postgres database and the shared Redis, restarted
with each step's settings, with 60-second access tokens. A population of sessions keeps calling
the APIs through the gateway and refreshing throughout; a step that stops accepting something
first waits until no live session holds it. Per step it counts sessions alive, forced sign-ins,
refusals at the gateway and revoked tokens accepted. Then the control: the same walk without
the acceptance settings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis

from benchmarks.key_drill_gateway import (
    GoGateway,
    VerifyGateway,
    api_client,
    token_part,
    v1_session,
)
from benchmarks.key_drill_population import Population, Tally
from benchmarks.key_drill_report import StepResult, table
from benchmarks.key_drill_steps import (
    ACCESS_SECONDS,
    LEEWAY,
    REDIS_URL,
    Keys,
    Step,
    base_env,
    signing,
    walk,
    without_acceptance,
)
from benchmarks.servers import Server, throwaway_database


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    sessions: int
    v1_sessions: int
    seconds_per_step: float
    refresh_after: tuple[float, float]


FULL = Pace(sessions=30, v1_sessions=6, seconds_per_step=20, refresh_after=(20, 45))
SHORT = Pace(sessions=8, v1_sessions=3, seconds_per_step=3, refresh_after=(0.5, 2.0))


async def fill(population: Population, client: httpx.AsyncClient, redis: Redis, step: Step,
               pace: Pace) -> None:  # fmt: skip
    """Signs the population in; some sessions start as v1 issued them."""
    v1 = pace.v1_sessions if step.v1_sessions else 0
    for index in range(pace.sessions):
        session = await population.sign_in(client)
        if index < v1:
            user = str(token_part(session.access, 1)["sub"])
            session.access, session.refresh = await v1_session(
                redis, user, secret=step.env["AUTH_JWT_SECRET"], issuer=step.env["AUTH_JWT_ISSUER"],
                audience=step.env["AUTH_JWT_AUDIENCE"], ttl=3600,
            )  # fmt: skip
        population.sessions.append(session)


async def drill(steps: list[Step], pace: Pace, database_url: str) -> list[StepResult]:
    population = Population(size=pace.sessions, refresh_after=pace.refresh_after)
    redis = Redis.from_url(REDIS_URL)
    results: list[StepResult] = []
    clients: list[httpx.AsyncClient] = []
    try:
        with ExitStack() as running:
            previous: tuple[Step, httpx.AsyncClient] | None = None
            for step in steps:
                tally, waited = Tally(), 0.0
                if previous is not None and step.retires:
                    waited = await _wait_until_moved(population, redis, *previous, tally)
                running.close()
                env = base_env(database_url) | step.env
                server = running.enter_context(Server("apps.auth.setup.main:app", env))
                client = api_client(server.base_url)
                clients.append(client)
                if not population.sessions:
                    await fill(population, client, redis, step, pace)
                gateway = _gateway(step, client, redis)
                await population.run(client, gateway, tally, pace.seconds_per_step)
                results.append(StepResult(name=step.name, waited=waited,
                                          alive=len(population.sessions), tally=tally))  # fmt: skip
                previous = (step, client)
    finally:
        for client in clients:
            await client.aclose()
        await redis.aclose()
    return results


def _gateway(step: Step, client: httpx.AsyncClient, redis: Redis) -> GoGateway | VerifyGateway:
    if step.gateway == "go":
        env = step.env
        return GoGateway(redis, secret=env["AUTH_JWT_SECRET"], issuer=env["AUTH_JWT_ISSUER"],
                         audience=env["AUTH_JWT_AUDIENCE"])  # fmt: skip
    return VerifyGateway(client)


async def _wait_until_moved(population: Population, redis: Redis, step: Step,
                            client: httpx.AsyncClient, tally: Tally) -> float:  # fmt: skip
    """Traffic on the running step until every live session holds tokens signed the way it
    signs: only then has the thing the next step stops accepting left the population. Bounded
    by the access lifetime, past which the forced sign-ins would show a wait too short."""
    started = time.monotonic()
    wanted = signing(step.env)
    gateway = _gateway(step, client, redis)
    while not all(s.holds(*wanted) for s in population.sessions):
        if time.monotonic() - started > ACCESS_SECONDS + LEEWAY:
            break
        await population.run(client, gateway, tally, 1.0)
    return time.monotonic() - started


def run(steps: list[Step], pace: Pace) -> list[StepResult]:
    with throwaway_database() as database_url:
        return asyncio.run(drill(steps, pace, database_url))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--short", action="store_true", help="the suite's shortened pace")
    args = parser.parse_args()
    pace = SHORT if args.short else FULL
    steps = walk(Keys())
    walked = run(steps, pace)
    print(table("with the acceptance settings", walked), flush=True)
    control = run([without_acceptance(s) for s in steps], pace)
    print(table("\ncontrol: without the acceptance settings", control), flush=True)
    failed = [r for r in walked if r.tally.forced_sign_ins or r.tally.revoked_accepted]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
