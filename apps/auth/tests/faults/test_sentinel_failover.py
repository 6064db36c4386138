"""The Redis primary killed under load, behind Sentinel, with real processes.

A primary, one replica and one Sentinel (quorum 1, down after 500 ms) run on free loopback
ports. Browsers log in, verify, refresh and log out through the app, which finds the primary
through the Sentinel. Right after a logout is answered, the primary gets SIGKILL. The app must
answer only 200/201/302/401/403/503 meanwhile, recover on its own once the Sentinel promotes
the replica, refuse every token whose logout was answered 200, and never accept both the old
and the new refresh token of one rotation.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from apps.auth.domain.token_family import RotationOutcome
from apps.auth.infrastructure.persistence_redis.redis_session_store import RedisSessionStore
from apps.auth.tests.faults.failover_load import Browser, Ledger
from apps.auth.tests.integration.redis_topology import MASTER, Topology, wait_until
from apps.auth.tests.integration.replication import new_session, new_tokens, rotation

BROWSERS = 6
KILL_AFTER_LOGOUTS = 12
CYCLES_TO_CALL_IT_RECOVERED = 12
RECOVERY_BOUND_SECONDS = 20.0
RETRY_BACKOFF_SECONDS = 0.02  # a browser's pause before it tries again after an error
ALLOWED = {200, 201, 302, 401, 403, 503}


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    servers = Topology(tmp_path / "redis")
    try:
        servers.start()
        yield servers
    finally:
        servers.kill()


def _waits(app: FastAPI) -> dict[str, float]:
    registry = app.state.api.metrics.registry
    return {
        result: registry.get_sample_value("auth_redis_replica_waits_total", {"result": result})
        for result in ("acknowledged", "unacknowledged", "no_replica")
    }


async def _drive(browser: Browser, first: int, stop: asyncio.Event) -> None:
    ledger, visit = browser.ledger, first
    while not stop.is_set():
        completed = await browser.cycle(log_out=visit % 2 == 0)
        visit += 1
        if completed and ledger.killed_at is not None:
            ledger.cycles_after_kill += 1
            if ledger.cycles_after_kill >= CYCLES_TO_CALL_IT_RECOVERED:
                stop.set()
        if not completed:
            await asyncio.sleep(RETRY_BACKOFF_SECONDS)


async def _run_load(app: FastAPI, topology: Topology) -> tuple[Ledger, dict[str, float]]:
    ledger, at_kill = Ledger(), {}
    stop = asyncio.Event()

    def kill_primary_after_enough_logouts() -> None:
        if ledger.killed_at is None and len(ledger.logged_out) >= KILL_AFTER_LOGOUTS:
            topology.primary.kill()
            ledger.killed_at = time.monotonic()
            at_kill.update(_waits(app))

    ledger.after_logout = kill_primary_after_enough_logouts
    browsers = [Browser(app, ledger) for _ in range(BROWSERS)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(_drive(b, i, stop) for i, b in enumerate(browsers))), timeout=90
        )
    finally:
        for browser in browsers:
            await browser.aclose()
    return ledger, at_kill


async def _check_rotations(checker: Browser, ledger: Ledger) -> Counter[str]:
    """Newest token first, then the one it replaced: at most one of them may still rotate."""
    seen: Counter[str] = Counter()
    for old, new in ledger.rotations:
        new_ok = await checker.refresh(new) is not None
        old_ok = await checker.refresh(old) is not None
        assert not (new_ok and old_ok), "both halves of one rotation were accepted"
        seen["kept" if new_ok else "refused" if not old_ok else "lost"] += 1
    for old in ledger.unanswered_rotations:
        seen["unanswered_then_" + ("rotated" if await checker.refresh(old) else "refused")] += 1
    return seen


async def test_no_500_recovery_and_no_revoked_token_accepted_when_the_primary_is_killed(
    app_factory: Callable[..., Any], topology: Topology, capsys: pytest.CaptureFixture[str]
) -> None:
    async with app_factory(
        redis_url="redis://mymaster/0",
        redis_sentinels=topology.sentinel_address,
        redis_sentinel_master=MASTER,
        redis_replica_wait_ms=1000,
        refresh_grace_seconds=0,
    ) as t:
        ledger, at_kill = await _run_load(t.app, topology)
        assert ledger.killed_at is not None
        assert topology.replica is not None
        wait_until(lambda: topology.sentinel.current_primary() == topology.replica.port, "switch")

        checker = Browser(t.app, Ledger())
        verdicts = [await checker.verify(access) for access, _ in ledger.logged_out]
        refreshes = [await checker.refresh(refresh) for _, refresh in ledger.logged_out]
        rotations = await _check_rotations(checker, ledger)
        await checker.aclose()
        after = _waits(t.app)

    assert 500 not in ledger.statuses() and ledger.statuses() <= ALLOWED, ledger.statuses()
    assert set(ledger.login_failures) <= {"STORAGE_UNAVAILABLE", "INVALID_STATE"}
    assert verdicts == [403] * len(ledger.logged_out), "a logged-out token verified again"
    assert refreshes == [None] * len(ledger.logged_out)
    assert at_kill["acknowledged"] >= KILL_AFTER_LOGOUTS and at_kill["unacknowledged"] == 0
    before = [s for t0, _, s in ledger.answers if t0 < ledger.killed_at]
    assert 503 not in before and 500 not in before

    unavailable = ledger.after_kill(503)
    assert unavailable, "the kill went unnoticed"
    succeeded = [t0 for t0, _, s in ledger.answers if t0 > unavailable[-1] and s in (200, 201)]
    recovered = succeeded[0] - ledger.killed_at
    assert recovered <= RECOVERY_BOUND_SECONDS
    figures = {
        "answers": len(ledger.answers),
        "answers_503": len(unavailable),
        "first_503_after_kill_s": round(unavailable[0] - ledger.killed_at, 2),
        "last_503_after_kill_s": round(unavailable[-1] - ledger.killed_at, 2),
        "first_success_after_last_503_s": round(recovered, 2),
        "logouts_200": len(ledger.logged_out),
        "rotations_201": len(ledger.rotations),
        "rotation_checks": dict(rotations),
        "login_failures": dict(ledger.login_failures),
        "replica_waits_at_kill": at_kill,
        "replica_waits_at_end": after,
    }
    with capsys.disabled():
        print(f"\nsentinel failover figures: {figures}")


async def test_a_rotation_lost_with_the_primary_is_refused_as_reuse_on_the_promoted_replica(
    tmp_path: Path,
) -> None:
    servers, now = Topology(tmp_path / "redis"), datetime.now(UTC)
    servers.primary.start()
    servers.start_replica()
    assert servers.replica is not None
    primary, promoted = Redis(port=servers.primary.port), Redis(port=servers.replica.port)
    try:
        before = RedisSessionStore(redis=primary, stream="test:lost", maxlen=1000)
        session = new_session(now)
        first = new_tokens(now)
        await before.open(session, first)
        assert await primary.wait(1, 1000) == 1
        # The replica stops following first, so the rotation never reaches it: the same data
        # as a primary that dies with the rotation still in its replication buffer.
        await promoted.execute_command("REPLICAOF", "NO", "ONE")
        lost = rotation(session.id, first.refresh_jti, now)
        rotated = await before.rotate(lost)
        servers.primary.kill()
        after = RedisSessionStore(redis=promoted, stream="test:lost", maxlen=1000)

        old_access_revoked = await promoted.exists(f"blacklist:{first.access_jti}")
        with_new = await after.rotate(rotation(session.id, lost.tokens.refresh_jti, now))
        with_old = await after.rotate(rotation(session.id, first.refresh_jti, now))

        assert rotated.outcome is RotationOutcome.ROTATED
        assert old_access_revoked == 0, "the lost rotation took the old access token's entry"
        assert with_new.outcome is RotationOutcome.REUSE
        assert with_old.outcome is RotationOutcome.MISSING
        assert await promoted.exists(f"blacklist:{first.access_jti}") == 1
        assert await promoted.exists(f"blacklist:{lost.tokens.access_jti}") == 0
    finally:
        await primary.aclose()
        await promoted.aclose()
        servers.kill()
