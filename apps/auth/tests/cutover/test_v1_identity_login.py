"""A v1 user signing in through v2 (fake provider, real app, migrated v1 database) stays who
they were: same id, same accounts, and v1 and the users service still read them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest_asyncio

from apps.auth.tests.cutover.v1_schema import (
    GOOGLE_USER,
    KAKAO_SUBJECT,
    KAKAO_USER,
    T1,
    TWO_PROVIDER_USER,
    query,
    users_service_view,
)
from apps.auth.tests.cutover.v1_statements import (
    V1_INSERT_ACCOUNT,
    V1_USER_BY_IDENTITY,
)
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.pg import migrate
from apps.auth.tests.security.attack import provider_settings
from apps.auth.tests.support import API, TestApp, audit_events, path_of, token_payload


@pytest_asyncio.fixture
async def v1_api(
    app_factory: Callable[..., Any], fake_provider: Any, v1_database: str
) -> AsyncIterator[TestApp]:
    migrate(v1_database)
    overrides: dict[str, Any] = provider_settings(fake_provider) | {"database_url": v1_database}
    async with app_factory(**overrides) as test_app:
        yield test_app


async def _login(api: TestApp, fake: Any, provider: str, user: FakeUser) -> dict[str, Any]:
    fake.sign_in_as(provider, user)
    api.client.cookies.clear()
    started = await api.client.get(f"{API}/{provider}/authorize", params={"redirect": "true"})
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(started.headers["location"])
    callback = await api.client.get(path_of(at_provider.headers["location"]))
    assert callback.headers["location"] == "https://app.eco2.test/#/home", callback.text
    return token_payload(callback.cookies["s_access"])


async def test_v1_id_returned_when_v1_identity_signs_in_through_v2(
    v1_api: TestApp, fake_provider: Any, v1_database: str
) -> None:
    before = users_service_view(v1_database)

    claims = await _login(v1_api, fake_provider, "kakao", FakeUser(subject=KAKAO_SUBJECT))

    assert claims["sub"] == str(KAKAO_USER)
    me = await v1_api.client.get(f"{API}/me")
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["providers"]) == (str(KAKAO_USER), ["kakao"])
    after = users_service_view(v1_database)
    assert [a[:5] for a in after[KAKAO_USER]] == [
        (a[0], a[1], a[2], a[3], "eco@example.com") for a in before[KAKAO_USER]
    ]
    assert after[KAKAO_USER][0][5] > before[KAKAO_USER][0][5]
    assert "login_success" in await audit_events(v1_api, claims["sub"])


async def test_v1_only_columns_kept_when_v1_user_signs_in_through_v2(
    v1_api: TestApp, fake_provider: Any, v1_database: str
) -> None:
    claims = await _login(
        v1_api, fake_provider, "google", FakeUser(subject="109876543210987654321")
    )

    assert claims["sub"] == str(GOOGLE_USER)
    row = query(
        v1_database,
        V1_USER_BY_IDENTITY,
        {"provider": "google", "subject": "109876543210987654321"},
    )
    assert [(r[0], r[1], r[4]) for r in row] == [(GOOGLE_USER, "eco", "+821012345678")]


async def test_both_v1_accounts_listed_when_account_without_login_time_signs_in(
    v1_api: TestApp, fake_provider: Any
) -> None:
    claims = await _login(v1_api, fake_provider, "naver", FakeUser(subject="nv-abc"))

    assert claims["sub"] == str(TWO_PROVIDER_USER)
    me = await v1_api.client.get(f"{API}/me")
    assert me.json()["providers"] == ["kakao", "naver"]


async def test_new_user_readable_by_v1_when_unknown_identity_signs_up_through_v2(
    v1_api: TestApp, fake_provider: Any, v1_database: str
) -> None:
    subject = uuid.uuid4().hex[:12]

    claims = await _login(v1_api, fake_provider, "kakao", FakeUser(subject=subject))

    assert claims["sub"] not in {str(KAKAO_USER), str(GOOGLE_USER), str(TWO_PROVIDER_USER)}
    found = query(v1_database, V1_USER_BY_IDENTITY, {"provider": "kakao", "subject": subject})
    assert [(str(r[0]), r[2], r[1], r[4]) for r in found] == [(claims["sub"], "에코", None, None)]


async def test_v1_row_of_unserved_provider_untouched_when_its_user_signs_in(
    v1_api: TestApp, fake_provider: Any, v1_database: str
) -> None:
    row = {
        "id": uuid.uuid4(),
        "user_id": TWO_PROVIDER_USER,
        "provider": "apple",
        "subject": "x" * 300,
        "email": None,
        "last_login": None,
        "created": T1,
        "updated": T1,
    }
    query(v1_database, V1_INSERT_ACCOUNT, row)

    await _login(v1_api, fake_provider, "naver", FakeUser(subject="nv-abc"))

    me = await v1_api.client.get(f"{API}/me")
    assert me.json()["providers"] == ["kakao", "naver"]
    kept = query(
        v1_database,
        "SELECT provider, updated_at FROM auth.user_social_accounts WHERE id = :id",
        {"id": row["id"]},
    )
    assert kept == [("apple", T1)]
