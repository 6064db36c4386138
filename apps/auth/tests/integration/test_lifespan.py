"""The app's real lifespan on real Postgres and Redis: it starts, serves, flushes the buffered
audit records and releases every connection when it stops."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from apps.auth.setup.app_factory import create_app
from apps.auth.setup.settings import Settings
from apps.auth.tests.pg import migrate, throwaway_database
from apps.auth.tests.support import API, BASE_URL, dev_login, token_payload


async def _scalar(url: str, query: str, **params: str) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(query), params)
    finally:
        await engine.dispose()


@pytest.fixture
def own_database() -> Iterator[str]:
    """A database of this test's own, so the connection count sees only this app's pool."""
    with throwaway_database() as url:
        migrate(url)
        yield url


async def test_lifespan_flushes_audits_and_releases_connections_when_the_app_stops(
    settings_factory: Callable[..., Settings], own_database: str
) -> None:
    settings = settings_factory(database_url=own_database)
    assert settings.database_url is not None
    app = create_app(settings)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            logged = await dev_login(client)
            assert (await client.get(f"{API}/ready")).status_code == 200
            assert (await client.post(f"{API}/refresh")).status_code == 201
        held = await _scalar(
            settings.database_url,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        assert held >= 1, "the app holds its pool while it runs"

    user = token_payload(logged.access)["sub"]
    refreshes = await _scalar(
        settings.database_url,
        "SELECT count(*) FROM auth.login_audits WHERE user_id = CAST(:u AS uuid) "
        "AND event = 'refresh'",
        u=user,
    )
    left = await _scalar(
        settings.database_url,
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    assert refreshes == 1, "the buffered refresh audit is written at shutdown"
    assert left == 0, "every pooled connection is closed at shutdown"
