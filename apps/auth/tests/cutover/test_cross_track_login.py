"""Logins that cross tracks: authorize on one version, the provider's redirect back on the other.

v1 is our restatement in v1_login.py; v2 is the real app on real Postgres and Redis, with the
cut-over profile and v1's login-state database, against the live fake provider.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest_asyncio
from redis.asyncio import Redis

from apps.auth.tests.cutover import v1_platform as v1
from apps.auth.tests.cutover.v1_login import STATE_DB_URL, v1_authorize, v1_consume
from apps.auth.tests.fakes.fake_provider import s256
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.security.attack import (
    at_provider,
    client_for,
    provider_settings,
    set_cookies,
    sets_tokens,
    user_ids_of_subject,
)
from apps.auth.tests.support import API, BASE_URL, TestApp, token_payload

FRONTEND = "https://app.eco2.test"
ADMIN = "https://admin.eco2.test"
PROFILE = {
    "jwt_algorithm": "HS256",
    "jwt_secret": v1.SECRET,
    "jwt_issuer": v1.ISSUER,
    "jwt_audience": v1.AUDIENCE,
    "legacy_sessions": True,
    "redis_oauth_state_url": STATE_DB_URL,
}


@pytest_asyncio.fixture
async def states() -> AsyncIterator[Redis]:
    """v1's login-state database; only keys of random states this test made are touched."""
    client = Redis.from_url(STATE_DB_URL)
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def api(app_factory: Callable[..., Any], fake_provider: Any) -> AsyncIterator[TestApp]:
    async with app_factory(**PROFILE, **provider_settings(fake_provider)) as test_app:
        yield test_app


def callback_url(provider: str) -> str:
    return f"{BASE_URL}{API}/{provider}/callback"


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def callback(api: TestApp, provider: str, code: str, state: str) -> Any:
    """The provider's redirect back, from a browser that never visited v2 before."""
    async with client_for(api.app) as browser:
        return await browser.get(
            f"{API}/{provider}/callback", params={"code": code, "state": state}
        )


async def test_login_started_on_v1_finishes_on_v2_once(api, states, fake_provider):
    user = FakeUser(subject=str(uuid.uuid4().int)[:12])
    started = await v1_authorize(
        states, "kakao", frontend_origin=ADMIN, device_id="phone-1", redirect_uri=None
    )
    code = fake_provider.issue_code(
        "kakao",
        user,
        code_challenge=s256(started.verifier),
        redirect_uri=callback_url("kakao"),
        state=started.state,
    )

    done = await callback(api, "kakao", code, started.state)

    assert done.status_code == 302, done.text
    assert done.headers["location"] == f"{ADMIN}/#/home"
    assert sets_tokens(done)
    [user_id] = await user_ids_of_subject(api, "kakao", user.subject)
    assert token_payload(done.cookies["s_access"])["sub"] == user_id
    [exchange] = fake_provider.requests("kakao", "token")
    assert exchange.form["code_verifier"] == started.verifier
    assert exchange.form["redirect_uri"] == callback_url("kakao")
    assert not await states.exists(f"oauth:state:{started.state}")
    assert await v1_consume(states, started.state, "kakao") is None, "v1 cannot replay it"

    again = await callback(api, "kakao", fake_provider.issue_code("kakao", user), started.state)
    assert again.headers["location"] == f"{FRONTEND}/#/login?error=INVALID_STATE"
    assert not sets_tokens(again)


async def test_login_started_on_v1_with_v1s_redirect_uri_finishes_on_v2(api, states, fake_provider):
    started = await v1_authorize(states, "google", redirect_uri=callback_url("google"))
    code = fake_provider.issue_code(
        "google", FakeUser(subject=uuid.uuid4().hex), code_challenge=s256(started.verifier)
    )

    done = await callback(api, "google", code, started.state)

    assert done.headers["location"] == f"{FRONTEND}/#/home", "no origin: the default one"
    assert sets_tokens(done)


async def test_login_started_on_v2_is_read_by_v1_as_v1_reads_its_own(api, states, redis):
    async with client_for(api.app) as browser:
        started = await browser.get(
            f"{API}/kakao/authorize",
            params={"frontend_origin": ADMIN, "device_id": "tablet-7"},
        )
    body = started.json()
    challenge = query_of(body["authorization_url"])["code_challenge"]
    key = f"oauth:state:{body['state']}"
    assert 0 < await states.ttl(key) <= api.settings.state_ttl_seconds
    assert not await redis.exists(f"auth:state:{body['state']}"), "one record, v1's"

    taken = await v1_consume(states, body["state"], "kakao")

    assert taken is not None
    assert s256(taken.pop("code_verifier")) == challenge
    assert taken == {
        "provider": "kakao",
        "redirect_uri": callback_url("kakao"),
        "device_id": "tablet-7",
        "frontend_origin": ADMIN,
    }
    assert await v1_consume(states, body["state"], "kakao") is None


async def test_state_v1_consumed_is_refused_on_v2(api, states, fake_provider):
    async with client_for(api.app) as browser:
        started = await browser.get(f"{API}/kakao/authorize", params={"redirect": "true"})
        back = await at_provider(started.headers["location"])
        state = query_of(back)["state"]
        assert await v1_consume(states, state, "kakao") is not None, "v1 finished this login"

        replayed = await browser.get(back)

    assert replayed.headers["location"] == f"{FRONTEND}/#/login?error=INVALID_STATE"
    assert not sets_tokens(replayed)
    assert fake_provider.requests("kakao", "token") == [], "the code is never redeemed"


async def test_login_started_and_finished_on_v2_still_works_in_the_profile(api, fake_provider):
    async with client_for(api.app) as browser:
        started = await browser.get(f"{API}/naver/authorize", params={"redirect": "true"})
        done = await browser.get(await at_provider(started.headers["location"]))

    assert done.headers["location"] == f"{FRONTEND}/#/home"
    assert sets_tokens(done)


async def test_canary_marks_the_logins_it_starts_until_their_callback(app_factory, fake_provider):
    """The mesh keeps a callback carrying `s_login_canary` on the canary (the VirtualService)."""
    async with (
        app_factory(**PROFILE, **provider_settings(fake_provider), release="canary") as canary,
        client_for(canary.app) as browser,
    ):
        started = await browser.get(f"{API}/kakao/authorize", params={"redirect": "true"})
        marker = set_cookies(started)["s_login_canary"]
        sent_back = await at_provider(started.headers["location"])
        assert browser.cookies.get("s_login_canary", path=API) == "1"
        done = await browser.get(sent_back)

    assert marker.startswith("s_login_canary=1;") and f"Path={API}" in marker
    assert sets_tokens(done)
    assert "Max-Age=0" in set_cookies(done)["s_login_canary"]
    assert browser.cookies.get("s_login_canary") is None


async def test_profile_without_v1s_state_database_keeps_logins_in_v2s_keys_and_says_so(
    app_factory, fake_provider, states, redis, caplog
):
    without = {k: v for k, v in PROFILE.items() if k != "redis_oauth_state_url"}
    async with (
        app_factory(**without, **provider_settings(fake_provider)) as alone,
        client_for(alone.app) as browser,
    ):
        state = (await browser.get(f"{API}/kakao/authorize")).json()["state"]

    assert await redis.exists(f"auth:state:{state}")
    assert not await states.exists(f"oauth:state:{state}")
    assert "AUTH_REDIS_OAUTH_STATE_URL" in caplog.text
    await redis.delete(f"auth:state:{state}")
