"""Postgres SIGKILLed (postmaster and backends) at three points of a login callback.

Each case: the callback answers the failure redirect with STORAGE_UNAVAILABLE and no token
cookie; the database never holds a user without its social account or an audit about a user
that does not exist; no session was opened; and once Postgres is back the same app, never
restarted, completes a fresh login.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.infrastructure.persistence_postgres.sqlalchemy_audit_log import SqlAlchemyAuditLog
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_unit_of_work import (
    SqlAlchemyUnitOfWork,
)
from apps.auth.infrastructure.persistence_postgres.sqlalchemy_user_repository import (
    SqlAlchemyUserRepository,
)
from apps.auth.tests.conftest import FRONTEND
from apps.auth.tests.faults.postgres_server import ThrowawayPostgres
from apps.auth.tests.integration.redis_server import ThrowawayRedis
from apps.auth.tests.support import API, dev_login, path_of, start_login

CRASH_POINTS = {
    "before_user_lookup": (SqlAlchemyUserRepository, "get_by_identity"),
    "after_user_insert_before_audit": (SqlAlchemyAuditLog, "record"),
    "before_commit": (SqlAlchemyUnitOfWork, "commit"),
}

INVARIANTS = {
    "users_without_account": "SELECT count(*) FROM auth.users u WHERE NOT EXISTS "
    "(SELECT 1 FROM auth.user_social_accounts s WHERE s.user_id = u.id)",
    "audits_of_missing_users": "SELECT count(*) FROM auth.login_audits a WHERE a.user_id IS NOT "
    "NULL AND NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.id = a.user_id)",
}


def _crash_first_call(
    monkeypatch: pytest.MonkeyPatch, point: str, server: ThrowawayPostgres
) -> list[str]:
    owner, name = CRASH_POINTS[point]
    original: Callable[..., Awaitable[Any]] = getattr(owner, name)
    crashed: list[str] = []

    async def crash_then_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not crashed:
            crashed.append(point)
            server.kill()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, crash_then_call)
    return crashed


async def _counts(url: str) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            counts = {
                k: int((await connection.execute(text(q))).scalar_one())
                for k, q in INVARIANTS.items()
            }
            for table in ("users", "user_social_accounts", "login_audits"):
                counts[table] = int(
                    (
                        await connection.execute(text(f"SELECT count(*) FROM auth.{table}"))
                    ).scalar_one()
                )
            return counts
    finally:
        await engine.dispose()


async def _session_keys(redis_url: str) -> list[bytes]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        return [key async for key in client.scan_iter("auth:session:*", count=1000)]
    finally:
        await client.aclose()


@pytest.mark.parametrize("point", list(CRASH_POINTS))
async def test_failure_redirect_no_partial_user_and_recovery_when_postgres_killed_in_callback(
    point: str,
    app_factory: Callable[..., Any],
    running_postgres: ThrowawayPostgres,
    throwaway_redis: ThrowawayRedis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = await _counts(running_postgres.url)
    async with app_factory(database_url=running_postgres.url, redis_url=throwaway_redis.url) as t:
        started = await start_login(t.client, login_hint=f"pg-crash-{point}")
        at_idp = await t.client.get(path_of(started.headers["location"]))
        crashed = _crash_first_call(monkeypatch, point, running_postgres)

        callback = await t.client.get(path_of(at_idp.headers["location"]))

        assert crashed == [point]
        assert callback.status_code == 302
        assert callback.headers["location"] == f"{FRONTEND}/#/login?error=STORAGE_UNAVAILABLE"
        assert "s_access" not in callback.cookies and "s_refresh" not in callback.cookies
        ready = await t.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["checks"]["postgres"] == "unavailable"
        assert await _session_keys(throwaway_redis.url) == []

        running_postgres.start()
        after_crash = await _counts(running_postgres.url)
        assert after_crash == before
        assert (await t.client.get("/ready")).status_code == 200
        logged = await dev_login(t.client, name=f"pg-recovered-{point}")
        me = await t.client.get(f"{API}/me", headers={"Authorization": f"Bearer {logged.access}"})
        assert me.status_code == 200

    recovered = await _counts(running_postgres.url)
    assert recovered["users_without_account"] == 0
    assert recovered["audits_of_missing_users"] == 0
    assert recovered["users"] == before["users"] + 1
    assert recovered["login_audits"] == before["login_audits"] + 1
