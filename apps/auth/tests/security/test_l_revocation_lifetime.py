"""A revocation outlives every token it covers: logout-all holds for the longest-lived token the
profile accepts (v1's too, in the cut-over profile), a blacklist entry covers the leeway past
`exp`, and a token minted in the same second as a logout-all is refused.

Redis expires keys on its own clock; the tests move the app's injected clock and age the keys
by the same amount (`age`), so no test waits.
"""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from apps.auth.domain.errors import ConfigurationError
from apps.auth.tests.cutover import v1_platform as v1
from apps.auth.tests.cutover.test_shared_sessions import PROFILE, v1_user
from apps.auth.tests.security.attack import client_for
from apps.auth.tests.support import API, bearer, dev_login, token_payload
from apps.auth.tests.unit.fakes import FrozenClock


async def verify(api, token: str):
    async with client_for(api.app) as client:
        return await client.get(f"{API}/verify", headers=bearer(token))


def assert_revoked(response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "TOKEN_REVOKED"


async def age(redis: Redis, key: str, seconds: float) -> None:
    """What `seconds` of Redis's own time do to `key`: its TTL shrinks, or it expires."""
    left = await redis.pttl(key)
    if left <= seconds * 1000:
        await redis.delete(key)
    elif left > 0:
        await redis.pexpire(key, int(left - seconds * 1000))


async def test_logout_all_keeps_refusing_a_v1_token_minted_before_it_until_that_token_expires(
    app_factory, redis
):
    clock = FrozenClock()
    async with app_factory(clock=clock, **PROFILE) as api:
        user = await v1_user(api)
        start = int(clock.now().timestamp())
        old = v1.mint(user, ttl=v1.V1_ACCESS_SECONDS, now=start - 60)
        caller = v1.mint(user, ttl=v1.V1_ACCESS_SECONDS, now=start - 60)
        assert (await verify(api, old.value)).status_code == 200

        out = await api.client.post(f"{API}/logout-all", headers=bearer(caller.value))
        assert out.status_code == 200, out.text

        key, leeway = f"auth:user-nbf:{user}", api.settings.jwt_leeway_seconds
        moments = [api.settings.access_token_ttl_seconds + leeway + 61, old.exp - start - 1]
        aged = 0
        for moment in moments:
            await age(redis, key, moment - aged)
            clock.advance(moment - aged)
            aged = moment
            assert_revoked(await verify(api, old.value))


async def test_a_v1_token_claiming_to_outlive_every_revocation_is_refused(app_factory):
    async with app_factory(**PROFILE) as api:
        user = await v1_user(api)
        longest = api.settings.refresh_token_ttl_seconds + 3600
        forever = v1.mint(user, ttl=longest)
        usual = v1.mint(user, ttl=v1.V1_ACCESS_SECONDS)

        refused = await verify(api, forever.value)

        assert refused.status_code == 401, refused.text
        assert refused.json()["code"] == "INVALID_TOKEN"
        assert (await verify(api, usual.value)).status_code == 200


def test_a_not_before_ttl_shorter_than_the_longest_accepted_token_refuses_to_start(
    settings_factory,
):
    with pytest.raises(ConfigurationError, match="AUTH_USER_NOT_BEFORE_TTL_SECONDS"):
        settings_factory(**PROFILE, refresh_token_ttl_seconds=3600, user_not_before_ttl_seconds=970)
    settings = settings_factory(**PROFILE, refresh_token_ttl_seconds=3600)
    assert settings.legacy_refresh_token_ttl_seconds == v1.V1_REFRESH_SECONDS


async def test_a_revoked_token_stays_refused_through_the_leeway_past_its_exp(app_factory, redis):
    clock = FrozenClock()
    async with app_factory(clock=clock) as api:
        logged = await dev_login(api.client)
        out = await api.client.post(f"{API}/logout")
        assert out.status_code == 200, out.text

        claims = token_payload(logged.access)
        past_exp = claims["exp"] - int(clock.now().timestamp()) + api.settings.jwt_leeway_seconds
        await age(redis, f"blacklist:{claims['jti']}", past_exp - 1)
        clock.advance(past_exp - 1)

        assert_revoked(await verify(api, logged.access))


@pytest.mark.parametrize("embedded", [False, True], ids=["redis", "embedded"])
async def test_a_token_minted_in_the_same_second_but_before_logout_all_is_refused(
    app_factory, monkeypatch, embedded
):
    clock = FrozenClock()
    async with app_factory(clock=clock, embedded=embedded) as api:
        name = "same-second"
        caller = await dev_login(api.client, name)
        sessions = api.runtime.storage.sessions
        listed = sessions.list_for_user
        raced = []

        async def list_then_sign_in(user_id):
            found = await listed(user_id)
            async with client_for(api.app) as other:
                raced.append(await dev_login(other, name))
            return found

        monkeypatch.setattr(sessions, "list_for_user", list_then_sign_in)
        out = await api.client.post(f"{API}/logout-all", headers=bearer(caller.access))
        assert out.status_code == 200, out.text

        [minted_during] = raced
        assert token_payload(minted_during.access)["iat"] == int(clock.now().timestamp())
        assert_revoked(await verify(api, minted_during.access))


@pytest.mark.parametrize("embedded", [False, True], ids=["redis", "embedded"])
async def test_a_sign_in_completing_in_the_same_second_after_logout_all_still_works(
    app_factory, embedded
):
    clock = FrozenClock()
    async with app_factory(clock=clock, embedded=embedded) as api:
        name = "same-second-after"
        caller = await dev_login(api.client, name)
        out = await api.client.post(f"{API}/logout-all", headers=bearer(caller.access))
        assert out.status_code == 200, out.text

        async with client_for(api.app) as other:
            after = await dev_login(other, name)

        assert token_payload(after.access)["iat"] == int(clock.now().timestamp())
        assert (await verify(api, after.access)).status_code == 200
        assert_revoked(await verify(api, caller.access))
