"""Attacks on a login state shared with v1: every one is refused, none answers 500, and a
refused state is gone for both tracks."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from apps.auth.tests.cutover.test_cross_track_login import (
    FRONTEND,
    PROFILE,
    callback,
    callback_url,
    query_of,
)
from apps.auth.tests.cutover.v1_login import (
    STATE_DB_URL,
    v1_authorize,
    v1_consume,
    v1_write_raw,
)
from apps.auth.tests.fakes.fake_provider import s256
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.security.attack import (
    at_provider,
    client_for,
    live_sessions,
    provider_settings,
    sets_tokens,
    user_ids_of_subject,
)
from apps.auth.tests.support import API, TestApp, token_payload

REFUSED = f"{FRONTEND}/#/login?error=INVALID_STATE"


@pytest_asyncio.fixture
async def states() -> AsyncIterator[Redis]:
    client = Redis.from_url(STATE_DB_URL)
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def api(app_factory: Callable[..., Any], fake_provider: Any) -> AsyncIterator[TestApp]:
    async with app_factory(**PROFILE, **provider_settings(fake_provider)) as test_app:
        yield test_app


def code_for(fake: Any, provider: str, verifier: str, subject: str | None = None) -> str:
    user = FakeUser(subject=subject or uuid.uuid4().hex[:12])
    return str(fake.issue_code(provider, user, code_challenge=s256(verifier)))


async def test_v1_state_replayed_after_a_login_on_v2_is_refused(api, states, fake_provider):
    started = await v1_authorize(states, "kakao")
    first = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
    )
    assert sets_tokens(first)

    replay = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
    )

    assert replay.headers["location"] == REFUSED
    assert not sets_tokens(replay)


async def test_v1_state_raced_by_ten_callbacks_logs_in_once(api, states, fake_provider, redis):
    subject = uuid.uuid4().hex[:12]
    started = await v1_authorize(states, "kakao")
    codes = [code_for(fake_provider, "kakao", started.verifier, subject) for _ in range(10)]

    answers = await asyncio.gather(*(callback(api, "kakao", c, started.state) for c in codes))

    assert sum(sets_tokens(a) for a in answers) == 1
    assert sum(a.headers["location"] == REFUSED for a in answers) == 9
    [user_id] = await user_ids_of_subject(api, "kakao", subject)
    assert len(await live_sessions(redis, user_id)) == 1


async def test_v1_state_for_another_provider_is_refused_and_spent(api, states, fake_provider):
    started = await v1_authorize(states, "naver")

    answer = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
    )

    assert answer.headers["location"] == REFUSED
    assert fake_provider.requests(endpoint="token") == []
    assert await v1_consume(states, started.state, "naver") is None


async def test_v1_state_naming_a_foreign_redirect_uri_is_refused_before_the_code_is_redeemed(
    api, states, fake_provider
):
    started = await v1_authorize(states, "kakao", redirect_uri="https://evil.example/collect")

    answer = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
    )

    assert answer.headers["location"] == REFUSED
    assert fake_provider.requests(endpoint="token") == []


async def test_v1_state_naming_a_foreign_frontend_origin_lands_on_the_default(
    api, states, fake_provider
):
    started = await v1_authorize(
        states, "kakao", frontend_origin="https://evil.example", device_id="<script>"
    )

    answer = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
    )

    assert answer.headers["location"] == f"{FRONTEND}/#/home"
    sessions = await api.client.get(
        f"{API}/sessions", headers={"Authorization": f"Bearer {answer.cookies['s_access']}"}
    )
    assert [s["device_id"] for s in sessions.json()["sessions"]] == [None]


async def test_v2_state_is_refused_without_its_browser_binding_in_the_profile(api, fake_provider):
    """A record v2 wrote keeps its binding in v1's database: a state alone never logs in here."""
    async with client_for(api.app) as victim:
        started = await victim.get(f"{API}/kakao/authorize", params={"redirect": "true"})
        back = await at_provider(started.headers["location"])

    async with client_for(api.app) as attacker:
        stolen = await attacker.get(back)
        forged = await attacker.get(back, headers={"Cookie": f"s_login={'A' * 43}"})

    assert stolen.headers["location"] == REFUSED
    assert forged.headers["location"] == REFUSED
    assert not sets_tokens(stolen) and not sets_tokens(forged)


@pytest.mark.parametrize(
    "record",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b"null",
        b'"kakao"',
        json.dumps({"redirect_uri": None}).encode(),
        json.dumps({"provider": 7}).encode(),
        json.dumps({"provider": "KAKAO"}).encode(),
        json.dumps({"provider": "kakao", "code_verifier": "short"}).encode(),
        json.dumps({"provider": "kakao", "code_verifier": "a b" * 30}).encode(),
        json.dumps({"provider": "kakao", "code_verifier": ["x"]}).encode(),
        json.dumps({"provider": "kakao", "frontend_origin": {"a": 1}}).encode(),
        json.dumps({"provider": "kakao", "redirect_uri": "x" * 5000}).encode(),
        json.dumps({"provider": "kakao", "browser_binding_hash": "not-a-hash"}).encode(),
        json.dumps({"provider": "kakao", "browser_binding_hash": 1}).encode(),
        json.dumps({"provider": "kakao", "expires_at": "yesterday"}).encode(),
        json.dumps({"provider": "kakao", "expires_at": "2020-01-01T00:00:00+00:00"}).encode(),
        json.dumps({"provider": "kakao", "expires_at": "2999-01-01T00:00:00"}).encode(),
        b"[" * 5000 + b"]" * 5000,
        json.dumps({"provider": "kakao", "padding": "x" * 20_000}).encode(),
    ],
)
async def test_malformed_record_under_a_v1_key_is_refused_and_spent(
    api, states, fake_provider, record
):
    state = secrets.token_urlsafe(32)
    await v1_write_raw(states, state, record)

    answer = await callback(api, "kakao", code_for(fake_provider, "kakao", "v" * 43), state)

    assert answer.status_code == 302
    assert answer.headers["location"] == REFUSED
    assert not await states.exists(f"oauth:state:{state}")


async def test_v1_key_without_a_ttl_counts_as_expired(api, states, fake_provider):
    started = await v1_authorize(states, "kakao")
    await states.persist(f"oauth:state:{started.state}")

    answer = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
    )

    assert answer.headers["location"] == REFUSED


async def test_v1_state_is_never_read_outside_the_profile(
    app_factory, states, fake_provider, redis
):
    started = await v1_authorize(states, "kakao")
    async with app_factory(
        **provider_settings(fake_provider), redis_oauth_state_url=STATE_DB_URL
    ) as plain:
        answer = await callback(
            plain, "kakao", code_for(fake_provider, "kakao", started.verifier), started.state
        )
        async with client_for(plain.app) as browser:
            own = await browser.get(f"{API}/kakao/authorize")

    assert answer.headers["location"] == REFUSED
    assert await states.exists(f"oauth:state:{started.state}"), "v1's record left alone"
    state = own.json()["state"]
    assert await redis.exists(f"auth:state:{state}")
    assert not await states.exists(f"oauth:state:{state}")
    await states.delete(f"oauth:state:{started.state}")
    await redis.delete(f"auth:state:{state}")


async def test_v1_state_used_by_v2_gives_the_token_to_the_provider_identity_only(
    api, states, fake_provider
):
    """Finishing v1's login logs in whoever the provider vouched for, never the state's maker."""
    started = await v1_authorize(states, "kakao")
    subject = uuid.uuid4().hex[:12]

    answer = await callback(
        api, "kakao", code_for(fake_provider, "kakao", started.verifier, subject), started.state
    )

    [user_id] = await user_ids_of_subject(api, "kakao", subject)
    assert token_payload(answer.cookies["s_access"])["sub"] == user_id
    assert callback_url("kakao") == fake_provider.requests("kakao", "token")[0].form["redirect_uri"]
    assert query_of(answer.headers["location"]) == {}
