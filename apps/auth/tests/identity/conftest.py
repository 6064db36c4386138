from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest_asyncio

from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.fakes.users_service import UsersServiceDouble
from apps.auth.tests.security.attack import provider_login, provider_settings
from apps.auth.tests.support import TestApp


@pytest_asyncio.fixture
async def users_service(pg_database_url: str) -> AsyncIterator[UsersServiceDouble]:
    double = await UsersServiceDouble(pg_database_url).start()
    try:
        yield double
    finally:
        await double.close()


def users_settings(double: UsersServiceDouble) -> dict[str, Any]:
    return {
        "users_grpc_target": double.target,
        "users_http_base_url": double.http_url,
        "users_grpc_timeout_seconds": 5,
    }


@pytest_asyncio.fixture
async def api(
    app_factory: Callable[..., Any], fake_provider: Any, users_service: UsersServiceDouble
) -> AsyncIterator[TestApp]:
    overrides = provider_settings(fake_provider) | users_settings(users_service)
    async with app_factory(**overrides) as test_app:
        yield test_app


async def callback(
    client: httpx.AsyncClient, fake: Any, user: FakeUser, provider: str = "kakao"
) -> httpx.Response:
    """A browser's whole login as `user` at the fake provider; the callback's answer."""
    fake.sign_in_as(provider, user)
    return await provider_login(client, provider)
