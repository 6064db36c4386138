"""Deleting and losing users when the users service owns them: DELETE /me goes through it, and
a user deleted there can no longer refresh once the refresh path's answer about them is stale."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.fakes.users_service import UsersServiceDouble
from apps.auth.tests.identity.conftest import callback, users_settings
from apps.auth.tests.security.attack import provider_settings
from apps.auth.tests.support import API, TestApp, refresh_header, token_payload
from apps.auth.tests.unit.fakes import FrozenClock

SAME_SITE = {"Origin": "https://app.eco2.test"}


async def _refresh(api: TestApp, token: str) -> Any:
    api.client.cookies.clear()
    return await api.client.post(f"{API}/refresh", headers=refresh_header(token))


async def test_refresh_refused_within_cache_window_when_user_deleted_in_users_service(
    app_factory: Callable[..., Any], fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    clock = FrozenClock()
    overrides = provider_settings(fake_provider) | users_settings(users_service)
    async with app_factory(clock=clock, users_cache_seconds=30, **overrides) as api:
        signed_in = await callback(api.client, fake_provider, FakeUser(subject="kakao-gone"))
        user_id = uuid.UUID(token_payload(signed_in.cookies["s_access"])["sub"])
        first = await _refresh(api, signed_in.cookies["s_refresh"])
        assert first.status_code == 201
        await users_service.delete_user(user_id)

        clock.advance(31)
        after_window = await _refresh(api, first.cookies["s_refresh"])

        assert after_window.status_code == 401
        assert after_window.json()["code"] == "TOKEN_REVOKED"
        sessions = await api.client.get(
            f"{API}/sessions", headers={"Authorization": f"Bearer {first.cookies['s_access']}"}
        )
        assert sessions.status_code == 401


async def test_account_gone_from_users_service_when_user_deletes_it_through_v2(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    signed_in = await callback(api.client, fake_provider, FakeUser(subject="kakao-delete"))
    user_id = uuid.UUID(token_payload(signed_in.cookies["s_access"])["sub"])

    deleted = await api.client.delete(f"{API}/me", headers=SAME_SITE)

    assert deleted.status_code == 200, deleted.text
    assert await users_service.count("accounts", id=user_id) == 0
    assert await users_service.count("social_accounts", user_id=user_id) == 0
    assert (await _refresh(api, signed_in.cookies["s_refresh"])).status_code == 401


async def test_sessions_ended_and_not_deleted_reported_when_users_service_refuses_deletion(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    signed_in = await callback(api.client, fake_provider, FakeUser(subject="kakao-kept"))
    user_id = uuid.UUID(token_payload(signed_in.cookies["s_access"])["sub"])
    users_service.deletion_fails = True

    answer = await api.client.delete(f"{API}/me", headers=SAME_SITE)

    assert answer.status_code == 503
    assert answer.json()["code"] == "ACCOUNT_NOT_DELETED"
    cleared = answer.headers.get_list("set-cookie")
    assert any(c.startswith('s_access=""') or c.startswith("s_access=;") for c in cleared), cleared
    assert await users_service.count("accounts", id=user_id) == 1
    assert (await _refresh(api, signed_in.cookies["s_refresh"])).status_code == 401
    again = await api.client.get(
        f"{API}/me", headers={"Authorization": f"Bearer {signed_in.cookies['s_access']}"}
    )
    assert again.status_code == 401
