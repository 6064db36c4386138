"""E7: cookies of one name sent twice. Someone who can plant a cookie for the API's host (a
sibling subdomain, an old v1 cookie) adds a second `s_refresh` or `s_access` beside the user's.
Whatever is planted, v2 never presents the user's spent token for them, never ends their
session on the strength of the planted one, and answers with a stable code."""

from __future__ import annotations

import time

import pytest

from apps.auth.tests.security.attack import (
    claims as token_claims,
)
from apps.auth.tests.security.attack import (
    client_for,
    es256,
    live_sessions,
    new_ec_key,
    unique_ip,
)
from apps.auth.tests.support import API, dev_login, token_payload
from apps.auth.tests.unit.fakes import FrozenClock

GRACE_OFF = {"refresh_grace_seconds": 0}


async def refresh_with(api, ip: str, *values: str):
    cookie = "; ".join(f"s_refresh={value}" for value in values)
    async with client_for(api.app, ip) as client:
        return await client.post(f"{API}/refresh", headers={"Cookie": cookie})


@pytest.mark.parametrize("order", ["spent-first", "live-first"])
async def test_e7_a_spent_refresh_token_sent_beside_the_live_one_is_never_acted_on(
    app_factory, redis, order
):
    clock = FrozenClock()
    async with app_factory(clock=clock, **GRACE_OFF) as api:
        ip = unique_ip()
        async with client_for(api.app, ip) as victim:
            first = await dev_login(victim)
            spent = first.refresh
            user = token_payload(spent)["sub"]
            # A rotation when the access token ran out: the successor is issued later.
            clock.advance(600)
            rotated = await refresh_with(api, ip, spent)
            live = rotated.cookies["s_refresh"]

            values = (spent, live) if order == "spent-first" else (live, spent)
            answer = await refresh_with(api, ip, *values)

        assert answer.status_code == 201, answer.text
        assert await live_sessions(redis, user) == [token_payload(live)["sid"]]


async def test_e7_a_planted_token_claiming_to_be_newer_is_refused_and_ends_nothing(keyed, redis):
    """A forged token with a later `iat` is the one taken; it fails its own checks, and the
    user's session and token are untouched."""
    api = keyed.api
    ip = unique_ip()
    async with client_for(api.app, ip) as victim:
        user = await dev_login(victim)
    forged = es256(new_ec_key(), token_claims(type="refresh", iat=int(time.time()) + 3600))
    sid = token_payload(user.refresh)["sid"]

    answer = await refresh_with(api, ip, forged, user.refresh)

    assert answer.status_code == 401
    assert answer.json()["code"] == "INVALID_TOKEN"
    assert await live_sessions(redis, token_payload(user.refresh)["sub"]) == [sid]
    assert (await refresh_with(api, ip, user.refresh)).status_code == 201


@pytest.mark.parametrize(
    "planted",
    ["", "garbage", "a.b.c", "x." + "A" * 5000 + ".y", '"quoted"', "s_refresh=nested"],
)
async def test_e7_unreadable_planted_duplicates_never_displace_the_live_token(api, planted):
    ip = unique_ip()
    async with client_for(api.app, ip) as victim:
        user = await dev_login(victim)

    answer = await refresh_with(api, ip, planted, user.refresh)

    assert answer.status_code == 201, answer.text


async def test_e7_hundreds_of_duplicates_get_a_stable_answer(api):
    values = [f"junk{i}" for i in range(500)]

    answer = await refresh_with(api, unique_ip(), *values)

    assert answer.status_code == 401
    assert answer.json()["code"] == "INVALID_TOKEN"
