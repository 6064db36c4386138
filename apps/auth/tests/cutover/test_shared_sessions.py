"""v2 beside v1 on one Postgres and one Redis, with the cut-over profile: v1's tokens keep
working on v2, v2's sessions keep working on v1, and the gateway never lets a spent refresh
token through."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio

from apps.auth.domain.user import ProviderIdentity, ProviderProfile, User
from apps.auth.tests.cutover import v1_platform as v1
from apps.auth.tests.security.attack import client_for, live_sessions, set_cookies
from apps.auth.tests.support import (
    API,
    TestApp,
    bearer,
    dev_login,
    refresh_header,
    token_payload,
)

BROWSER = "198.51.100.7"
PROFILE = {
    "jwt_algorithm": "HS256",
    "jwt_secret": v1.SECRET,
    "jwt_issuer": v1.ISSUER,
    "jwt_audience": v1.AUDIENCE,
    "legacy_sessions": True,
}


@pytest_asyncio.fixture
async def api(app_factory: Callable[..., Any]) -> AsyncIterator[TestApp]:
    async with app_factory(**PROFILE) as test_app:
        yield test_app


async def v1_user(api: TestApp) -> uuid.UUID:
    """A user as v1 created it: a row and a Kakao account, known to both versions."""
    user = User.register(
        user_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        profile=ProviderProfile(
            identity=ProviderIdentity(provider="kakao", subject=str(uuid.uuid4().int)[:10]),
            nickname="v1 user",
        ),
        now=datetime.now(UTC),
    )
    async with api.runtime.storage.uow() as uow:
        await uow.users.save(user)
        await uow.commit()
    return user.id


async def refresh(api: TestApp, token: str, ip: str = BROWSER) -> Any:
    async with client_for(api.app, ip) as client:
        return await client.post(f"{API}/refresh", headers=refresh_header(token))


async def get(api: TestApp, path: str, token: str) -> Any:
    async with client_for(api.app, BROWSER) as client:
        return await client.get(f"{API}{path}", headers=bearer(token))


def pair(response: Any) -> tuple[str, str]:
    return response.cookies["s_access"], response.cookies["s_refresh"]


async def test_v1_access_token_works_at_verify_me_and_logout_when_the_profile_is_on(api):
    user = await v1_user(api)
    access = v1.mint(user)

    verified = await get(api, "/verify", access.value)
    me = await get(api, "/me", access.value)
    async with client_for(api.app, BROWSER) as client:
        out = await client.post(f"{API}/logout", headers=bearer(access.value))

    assert verified.status_code == 200 and verified.headers["x-user-id"] == str(user)
    assert me.status_code == 200 and me.json()["id"] == str(user)
    assert out.status_code == 200
    assert (await get(api, "/verify", access.value)).status_code == 403


async def test_v1_access_token_refused_when_v1_blacklisted_it(api, redis):
    user = await v1_user(api)
    access = v1.mint(user)
    await redis.set(f"blacklist:{access.jti}", "{}", ex=60)

    answer = await get(api, "/verify", access.value)

    assert answer.status_code == 403
    assert answer.json()["code"] == "TOKEN_REVOKED"


async def test_v1_refresh_token_becomes_a_v2_session_when_v1_still_knows_it(api, redis):
    user = await v1_user(api)
    token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)
    await v1.register_refresh(redis, user, token)

    adopted = await refresh(api, token.value)

    assert adopted.status_code == 201, adopted.text
    access, renewed = pair(adopted)
    assert token_payload(renewed)["sid"] and token_payload(renewed)["sub"] == str(user)
    assert await live_sessions(redis, str(user)) == [token_payload(renewed)["sid"]]
    assert not await redis.sismember(f"user:tokens:{user}", token.jti)
    assert not await v1.v1_refresh_accepts(redis, token.value)
    assert not await v1.gateway_accepts(redis, token.value)
    assert await v1.v1_refresh_accepts(redis, renewed), "a rollback keeps this session"
    assert await v1.gateway_accepts(redis, access)
    events = [json.loads(f[b"event"]) for _, f in await redis.xrange(api.settings.outbox_stream)]
    [spent] = [e for e in events if e.get("jti") == token.jti]
    assert set(spent) == {"type", "jti", "user_id", "expires_at", "reason", "timestamp"}
    assert spent["type"] == "add" and spent["user_id"] == str(user)


async def test_adopted_v1_token_is_reuse_when_presented_again_by_another_client(api, redis):
    user = await v1_user(api)
    token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)
    await v1.register_refresh(redis, user, token)
    adopted = await refresh(api, token.value)
    access, renewed = pair(adopted)

    replay = await refresh(api, token.value, ip="203.0.113.50")

    assert replay.status_code == 401
    assert replay.json()["code"] == "TOKEN_REVOKED"
    assert "s_access" not in set_cookies(replay)
    assert (await get(api, "/verify", access)).status_code == 403
    assert (await refresh(api, renewed)).status_code == 401
    assert await live_sessions(redis, str(user)) == []
    assert not await v1.gateway_accepts(redis, renewed)


async def test_twenty_parallel_adoptions_leave_exactly_one_live_successor(api, redis):
    user = await v1_user(api)
    token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)
    await v1.register_refresh(redis, user, token)

    answers = await asyncio.gather(*(refresh(api, token.value) for _ in range(20)))

    ok = [a for a in answers if a.status_code == 201]
    assert ok and all(a.status_code in (201, 401) for a in answers)
    assert len({pair(a) for a in ok}) == 1
    sessions = await live_sessions(redis, str(user))
    assert sessions == [token_payload(pair(ok[0])[1])["sid"]]
    assert await redis.smembers(f"user:tokens:{user}") == {
        token_payload(pair(ok[0])[1])["jti"].encode()
    }


async def test_v1_records_follow_a_v2_session_through_login_rotation_and_logout(api, redis):
    logged = await dev_login(api.client)
    user = token_payload(logged.access)["sub"]
    first_jti = token_payload(logged.refresh)["jti"]
    assert await redis.smembers(f"user:tokens:{user}") == {first_jti.encode()}
    assert json.loads(await redis.get(f"token:meta:{first_jti}"))["issued_at"] > 0
    assert await v1.v1_refresh_accepts(redis, logged.refresh)

    rotated = await refresh(api, logged.refresh)
    access2, refresh2 = pair(rotated)
    second_jti = token_payload(refresh2)["jti"]
    assert await redis.smembers(f"user:tokens:{user}") == {second_jti.encode()}
    assert not await redis.exists(f"token:meta:{first_jti}")
    rotated_meta = json.loads(await redis.get(f"token:meta:{second_jti}"))
    assert set(rotated_meta) == {"device_id", "user_agent", "issued_at"}
    assert rotated_meta["user_agent"] and rotated_meta["issued_at"] > 0
    assert not await v1.v1_refresh_accepts(redis, logged.refresh)
    assert await v1.v1_refresh_accepts(redis, refresh2)

    async with client_for(api.app, BROWSER) as client:
        out = await client.post(
            f"{API}/logout", headers={**bearer(access2), **refresh_header(refresh2)}
        )
    assert out.status_code == 200
    assert await redis.smembers(f"user:tokens:{user}") == set()
    assert not await v1.v1_refresh_accepts(redis, refresh2)


async def test_gateway_accepts_v2_access_and_refuses_every_spent_refresh_token(api, redis):
    logged = await dev_login(api.client)
    assert await v1.gateway_accepts(redis, f"Bearer {logged.access}")

    rotated = await refresh(api, logged.refresh)
    access2, refresh2 = pair(rotated)
    assert not await v1.gateway_accepts(redis, logged.refresh), "rotated"
    assert await v1.gateway_accepts(redis, access2)

    reused = await refresh(api, logged.refresh, ip="203.0.113.51")
    assert reused.status_code == 401
    assert not await v1.gateway_accepts(redis, refresh2), "family revoked"
    assert not await v1.gateway_accepts(redis, access2)

    other = await dev_login(api.client)
    async with client_for(api.app, BROWSER) as client:
        await client.post(
            f"{API}/logout", headers={**bearer(other.access), **refresh_header(other.refresh)}
        )
    assert not await v1.gateway_accepts(redis, other.refresh), "logged out"
    assert not await v1.gateway_accepts(redis, other.access)


async def test_v2_refuses_its_own_token_when_v1_rotated_it_after_a_rollback(api, redis):
    logged = await dev_login(api.client)
    user = token_payload(logged.access)["sub"]
    await v1.v1_rotates(redis, logged.refresh)

    answer = await refresh(api, logged.refresh)

    assert answer.status_code == 401
    assert answer.json()["code"] == "TOKEN_REVOKED"
    assert await live_sessions(redis, user) == []


@pytest.mark.parametrize(
    ("token", "status", "code"),
    [
        (lambda u: v1.mint(u, "refresh", secret="x" * 48), 401, "INVALID_TOKEN"),
        (
            lambda u: v1.mint(u, "refresh", issuer="api.growbin.app/api/v1/auth"),
            401,
            "INVALID_TOKEN",
        ),
        (lambda u: v1.mint(u, "refresh", audience="eco2"), 401, "INVALID_TOKEN"),
        (lambda u: v1.mint(u, "access"), 400, "TOKEN_TYPE_MISMATCH"),
        (lambda u: v1.mint(u, "refresh", ttl=-60), 401, "TOKEN_EXPIRED"),
    ],
)
async def test_bad_v1_refresh_token_gets_the_v2_error_code_when_presented(
    api, redis, token, status, code
):
    user = await v1_user(api)
    bad = token(user)
    await v1.register_refresh(redis, user, bad)

    answer = await refresh(api, bad.value)

    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert await live_sessions(redis, str(user)) == []


async def test_v1_refresh_token_refused_when_v1_no_longer_knows_it(api, redis):
    user = await v1_user(api)
    token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)

    answer = await refresh(api, token.value)

    assert answer.status_code == 401
    assert answer.json()["code"] == "TOKEN_REVOKED"


async def test_v1_refresh_token_refused_when_its_user_was_deleted(api, redis):
    ghost = uuid.uuid4()
    token = v1.mint(ghost, "refresh", ttl=v1.V1_REFRESH_SECONDS)
    await v1.register_refresh(redis, ghost, token)

    answer = await refresh(api, token.value)

    assert answer.status_code == 401
    assert answer.json()["code"] == "TOKEN_REVOKED"
    assert await redis.sismember(f"user:tokens:{ghost}", token.jti)


async def test_v1_token_without_session_refused_when_the_profile_is_off(app_factory, redis):
    profile_off = {**PROFILE, "legacy_sessions": False}
    async with app_factory(**profile_off) as plain:
        user = await v1_user(plain)
        access = v1.mint(user)
        answer = await get(plain, "/verify", access.value)
    assert answer.status_code == 401
    assert answer.json()["code"] == "INVALID_TOKEN"


async def test_logout_all_ends_the_users_v1_sessions_too(api, redis):
    user = await v1_user(api)
    access = v1.mint(user)
    kept_on_v1 = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)
    await v1.register_refresh(redis, user, kept_on_v1)
    assert await v1.v1_refresh_accepts(redis, kept_on_v1.value)

    async with client_for(api.app, BROWSER) as client:
        out = await client.post(f"{API}/logout-all", headers=bearer(access.value))

    assert out.status_code == 200, out.text
    assert not await v1.v1_refresh_accepts(redis, kept_on_v1.value)
    assert not await v1.gateway_accepts(redis, kept_on_v1.value)
    assert (await refresh(api, kept_on_v1.value)).status_code == 401
    assert (await get(api, "/verify", access.value)).status_code == 403


def test_profile_refused_when_legacy_sessions_meet_es256() -> None:
    from apps.auth.domain.errors import ConfigurationError
    from apps.auth.setup.settings import Settings

    with pytest.raises(ConfigurationError, match="AUTH_LEGACY_SESSIONS=true needs"):
        Settings(environment="test", legacy_sessions=True, jwt_algorithm="ES256")
