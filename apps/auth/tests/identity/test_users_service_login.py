"""Signing in with Eco²'s users service as the owner of identities (a double of it over real
gRPC, on real `users.*` tables): one id per identity whichever auth created it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import grpc
import httpx
from sqlalchemy import text

from apps.auth.infrastructure.users_grpc import users_pb2 as pb
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.fakes.users_service import UsersServiceDouble
from apps.auth.tests.identity.conftest import callback
from apps.auth.tests.support import API, BASE_URL, TestApp, audit_events, token_payload


async def _auth_users(api: TestApp) -> int:
    async with api.database() as session:
        return int((await session.execute(text("SELECT count(*) FROM auth.users"))).scalar_one())


async def _get_or_create(
    double: UsersServiceDouble, subject: str
) -> pb.GetOrCreateFromOAuthResponse:
    """What v1 asks the users service at its own callback."""
    async with grpc.aio.insecure_channel(double.target) as channel:
        call = channel.unary_unary(
            "/users.UsersService/GetOrCreateFromOAuth",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=pb.GetOrCreateFromOAuthResponse.FromString,
        )
        answer: pb.GetOrCreateFromOAuthResponse = await call(
            pb.GetOrCreateFromOAuthRequest(provider="kakao", provider_user_id=subject)
        )
        return answer


async def test_same_id_when_identity_created_by_v1_signs_in_through_v2(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    v1_user = await users_service.create_user("kakao", "kakao-1001")
    ours_before = await _auth_users(api)

    answer = await callback(api.client, fake_provider, FakeUser(subject="kakao-1001"))

    assert answer.headers["location"] == "https://app.eco2.test/#/home"
    assert token_payload(answer.cookies["s_access"])["sub"] == str(v1_user)
    me = await api.client.get(f"{API}/me")
    assert (me.json()["id"], me.json()["nickname"], me.json()["providers"]) == (
        str(v1_user),
        "v1",
        ["kakao"],
    )
    assert await _auth_users(api) == ours_before
    assert "login_success" in await audit_events(api, str(v1_user))
    assert users_service.calls[:3] == ["GetOrCreateFromOAuth", "UpdateLoginTime", "GetUser"]


async def test_v1_finds_same_user_when_identity_first_signs_in_through_v2(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    ours_before = await _auth_users(api)
    answer = await callback(api.client, fake_provider, FakeUser(subject="kakao-2002"))
    user_id = token_payload(answer.cookies["s_access"])["sub"]

    assert await users_service.count("accounts", id=uuid.UUID(user_id)) == 1
    assert await users_service.count("social_accounts", provider_user_id="kakao-2002") == 1
    seen_by_v1 = await _get_or_create(users_service, "kakao-2002")
    assert (seen_by_v1.user.id, seen_by_v1.is_new_user) == (user_id, False)
    assert await _auth_users(api) == ours_before


async def test_one_user_when_twenty_first_logins_of_one_identity_race(
    api: TestApp, fake_provider: Any, users_service: UsersServiceDouble
) -> None:
    fake_provider.sign_in_as("kakao", FakeUser(subject="kakao-race"))

    async def one_login() -> str:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as browser:
            answer = await callback(browser, fake_provider, FakeUser(subject="kakao-race"))
            assert answer.headers["location"].endswith("#/home"), answer.headers["location"]
            return str(token_payload(answer.cookies["s_access"])["sub"])

    ids = await asyncio.gather(*(one_login() for _ in range(20)))

    assert len(set(ids)) == 1
    assert await users_service.count("accounts") == 1
    assert await users_service.count("social_accounts", provider_user_id="kakao-race") == 1
