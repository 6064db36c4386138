"""The users service down, stalled or answering nonsense: logins fail closed with a stable code
and create nothing anywhere; tokens already issued keep verifying and refreshing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.fakes.users_service import UsersServiceDouble
from apps.auth.tests.identity.conftest import callback, users_settings
from apps.auth.tests.security.attack import provider_settings
from apps.auth.tests.support import API, TestApp, bearer, refresh_header

FAILED = "https://app.eco2.test/#/login?error="


async def _rows(api: TestApp, users_service: UsersServiceDouble) -> tuple[int, int, int]:
    async with api.database() as session:
        ours = int((await session.execute(text("SELECT count(*) FROM auth.users"))).scalar_one())
    return (
        ours,
        await users_service.count("accounts"),
        await users_service.count("social_accounts"),
    )


async def _signed_in(api: TestApp, fake: Any) -> tuple[str, str]:
    answer = await callback(api.client, fake, FakeUser(subject="kakao-before"))
    assert answer.headers["location"].endswith("#/home")
    return answer.cookies["s_access"], answer.cookies["s_refresh"]


async def _still_works(api: TestApp, access: str, refresh: str) -> str:
    """Verifies, then rotates; the new access token."""
    verified = await api.client.get(f"{API}/verify", headers=bearer(access))
    assert verified.status_code == 200, verified.text
    api.client.cookies.clear()
    rotated = await api.client.post(f"{API}/refresh", headers=refresh_header(refresh))
    assert rotated.status_code == 201, rotated.text
    return str(rotated.cookies["s_access"])


async def test_login_refused_unavailable_and_tokens_unaffected_when_users_service_stopped(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    access, refresh = await _signed_in(api, fake_provider)
    before = await _rows(api, users_service)
    await users_service.stop()

    answer = await callback(api.client, fake_provider, FakeUser(subject="kakao-new"))

    assert answer.headers["location"] == f"{FAILED}IDENTITY_UNAVAILABLE"
    assert "s_access" not in answer.cookies
    assert await _rows(api, users_service) == before
    rotated_access = await _still_works(api, access, refresh)
    metrics = (await api.client.get("/metrics")).text
    assert 'auth_users_rpc_total{outcome="unavailable",rpc="GetOrCreateFromOAuth"}' in metrics
    logout = await api.client.post(
        f"{API}/logout", headers={**bearer(rotated_access), "Origin": "https://app.eco2.test"}
    )
    assert logout.status_code == 200, logout.text


async def test_login_refused_at_deadline_when_users_service_stalls(
    app_factory: Callable[..., Any], fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    overrides = provider_settings(fake_provider) | users_settings(users_service)
    # The deadline also bounds the sign-in before the stall, whose first call opens the channel
    # and the double's database connection: 0.3 s was exceeded there on a loaded machine.
    async with app_factory(**{**overrides, "users_grpc_timeout_seconds": 1.0}) as api:
        access, refresh = await _signed_in(api, fake_provider)
        before = await _rows(api, users_service)
        users_service.pause()

        answer = await callback(api.client, fake_provider, FakeUser(subject="kakao-stalled"))

        users_service.resume()
        assert answer.headers["location"] == f"{FAILED}IDENTITY_UNAVAILABLE"
        assert await _rows(api, users_service) == before
        await _still_works(api, access, refresh)
        metrics = (await api.client.get("/metrics")).text
        assert 'auth_users_rpc_total{outcome="deadline",rpc="GetOrCreateFromOAuth"}' in metrics


@pytest.mark.parametrize("answer", ["empty", "not_uuid", "other_identity", "other_user"])
async def test_login_refused_invalid_when_users_service_answers_malformed_identity(
    answer: str, api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    await users_service.create_user("kakao", "kakao-known")
    before = await _rows(api, users_service)
    users_service.malformed = answer

    result = await callback(api.client, fake_provider, FakeUser(subject="kakao-known"))

    assert result.headers["location"] == f"{FAILED}IDENTITY_INVALID"
    assert "s_access" not in result.cookies and "s_refresh" not in result.cookies
    assert await _rows(api, users_service) == before


async def test_login_completes_when_get_or_create_unavailable_once_then_answers(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    users_service.unavailable_next = {"GetOrCreateFromOAuth": 1}

    answer = await callback(api.client, fake_provider, FakeUser(subject="kakao-retried"))

    assert answer.headers["location"].endswith("#/home")
    assert users_service.calls.count("GetOrCreateFromOAuth") == 2
    assert await users_service.count("social_accounts", provider_user_id="kakao-retried") == 1


async def test_login_time_not_retried_and_login_kept_when_stamp_unavailable(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    users_service.unavailable_next = {"UpdateLoginTime": 1}

    answer = await callback(api.client, fake_provider, FakeUser(subject="kakao-unstamped"))

    assert answer.headers["location"].endswith("#/home")
    assert users_service.calls.count("UpdateLoginTime") == 1
    metrics = (await api.client.get("/metrics")).text
    assert 'auth_users_rpc_total{outcome="unavailable",rpc="UpdateLoginTime"}' in metrics
