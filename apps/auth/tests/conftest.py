from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from redis.asyncio import Redis

from apps.auth.application.common.ports import Clock
from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from apps.auth.setup.app_factory import create_app
from apps.auth.setup.settings import Settings
from apps.auth.tests.fakes.fixtures import fake_provider  # noqa: F401
from apps.auth.tests.pg import pg_database_url, pg_engine, pg_session_factory  # noqa: F401
from apps.auth.tests.support import BASE_URL, REDIS_URL, TestApp

FRONTEND = "https://app.eco2.test"


@pytest.fixture
def stream_name() -> str:
    return f"test:outbox:{uuid.uuid4().hex}"


@pytest_asyncio.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def signing_pem() -> str:
    return generate_ec_private_pem()


@pytest.fixture
def settings_factory(
    pg_database_url: str,  # noqa: F811
    stream_name: str,
    signing_pem: str,
) -> Callable[..., Settings]:
    def build(*, embedded: bool = False, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "environment": "test",
            "public_base_url": BASE_URL,
            "frontend_origins": f"{FRONTEND},https://admin.eco2.test",
            "enabled_providers": "dev",
            "outbox_stream": stream_name,
            "rate_limit_authorize": 0,
            "rate_limit_callback": 0,
            "rate_limit_refresh_per_ip": 0,
            "rate_limit_refresh_per_user": 0,
            "jwt_issuer": "https://auth.eco2.test",
            "jwt_private_key": signing_pem,
            "jwt_key_id": "test-key-1",
        }
        if not embedded:
            values |= {"database_url": pg_database_url, "redis_url": REDIS_URL}
        values |= overrides
        return Settings(**values)

    return build


@pytest.fixture
def app_factory(
    settings_factory: Callable[..., Settings],
) -> Callable[..., Any]:
    @asynccontextmanager
    async def open_app(*, clock: Clock | None = None, **overrides: Any) -> AsyncIterator[TestApp]:
        settings = settings_factory(**overrides)
        app = create_app(settings, clock=clock)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            try:
                yield TestApp(app=app, client=client, settings=settings)
            finally:
                await app.state.runtime.aclose()

    return open_app


@pytest_asyncio.fixture
async def api(app_factory: Callable[..., Any]) -> AsyncIterator[TestApp]:
    async with app_factory() as test_app:
        yield test_app


@pytest_asyncio.fixture
async def embedded_api(app_factory: Callable[..., Any]) -> AsyncIterator[TestApp]:
    async with app_factory(embedded=True) as test_app:
        yield test_app
