from __future__ import annotations

import asyncio
import json

from apps.auth.tests.security.attack import (
    KID,
    CuttableProxy,
    audit_rows,
    client_for,
    live_sessions,
    new_ec_key,
    private_pem,
    set_cookies,
    subject_of,
)
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload
from apps.auth.tests.unit.fakes import FrozenClock

BROWSER_IP = "198.51.100.20"


async def refresh(app, token: str, ip: str | None = None):
    async with client_for(app, ip) as client:
        return await client.post(f"{API}/refresh", headers=refresh_header(token))


async def verify(app, token: str):
    async with client_for(app) as client:
        return await client.get(f"{API}/verify", headers=bearer(token))


def pair_of(response) -> tuple[str, str]:
    cookies = response.cookies
    return cookies["s_access"], cookies["s_refresh"]


async def test_c1_refresh_returns_new_tokens_and_old_refresh_stops_when_rotated(app_factory):
    async with app_factory(refresh_grace_seconds=0) as api:
        first = await dev_login(api.client)
        rotated = await refresh(api.app, first.refresh)
        assert rotated.status_code == 201, rotated.text
        access2, refresh2 = pair_of(rotated)
        assert refresh2 != first.refresh and access2 != first.access
        assert token_payload(refresh2)["jti"] != token_payload(first.refresh)["jti"]
        assert token_payload(refresh2)["sid"] == token_payload(first.refresh)["sid"]
        old_access = await verify(api.app, first.access)
        assert old_access.status_code == 403
        assert old_access.json()["code"] == "TOKEN_REVOKED"
        replay = await refresh(api.app, first.refresh)
        assert replay.status_code == 401
        assert replay.json()["code"] in ("TOKEN_REUSED", "TOKEN_REVOKED")
        assert "s_access" not in set_cookies(replay)


async def test_c1_replay_inside_grace_gets_the_same_successor_when_not_a_new_member(api, redis):
    first = await dev_login(api.client)
    rotated = await refresh(api.app, first.refresh, BROWSER_IP)
    replay = await refresh(api.app, first.refresh, BROWSER_IP)
    assert rotated.status_code == replay.status_code == 201, replay.text
    assert pair_of(replay) == pair_of(rotated)
    assert len(await live_sessions(redis, subject_of(first.access))) == 1
    audits = await audit_rows(api, user_id=subject_of(first.access))
    assert [a["event"] for a in audits].count("refresh_grace") == 1


async def test_c1_grace_replay_from_another_client_revokes_the_family_and_is_audited(api, redis):
    first = await dev_login(api.client)
    user = subject_of(first.access)
    rotated = await refresh(api.app, first.refresh, BROWSER_IP)
    access2, refresh2 = pair_of(rotated)

    stolen = await refresh(api.app, first.refresh, "203.0.113.99")

    assert stolen.status_code == 401
    assert stolen.json()["code"] == "TOKEN_REVOKED"
    assert "s_access" not in set_cookies(stolen)
    assert (await verify(api.app, access2)).status_code == 403
    assert (await refresh(api.app, refresh2, BROWSER_IP)).status_code == 401
    assert await live_sessions(redis, user) == []
    audits = await audit_rows(api, user_id=user)
    assert [a["event"] for a in audits].count("refresh_reuse") == 1


async def test_c1_successor_is_sealed_and_gone_after_the_grace_window_when_at_rest(api, redis):
    first = await dev_login(api.client)
    rotated = await refresh(api.app, first.refresh, BROWSER_IP)
    access2, refresh2 = pair_of(rotated)
    sid = token_payload(first.refresh)["sid"]

    stored = await redis.get(f"auth:successor:{sid}")
    ttl_ms = await redis.pttl(f"auth:successor:{sid}")
    session = await redis.hgetall(f"auth:session:{sid}")

    assert stored is not None
    assert access2.encode() not in stored and refresh2.encode() not in stored
    assert 0 < ttl_ms <= api.settings.refresh_grace_seconds * 1000
    assert not any(access2.encode() in v or refresh2.encode() in v for v in session.values())


async def test_c2_reuse_revokes_the_whole_family_and_is_audited_when_old_refresh_returns(
    app_factory, redis
):
    async with app_factory(refresh_grace_seconds=0) as api:
        first = await dev_login(api.client)
        user = subject_of(first.access)
        access2, refresh2 = pair_of(await refresh(api.app, first.refresh))
        assert (await verify(api.app, access2)).status_code == 200

        reused = await refresh(api.app, first.refresh)

        assert reused.status_code == 401
        assert reused.json()["code"] in ("TOKEN_REUSED", "TOKEN_REVOKED")
        successor = await refresh(api.app, refresh2)
        assert successor.status_code == 401
        revoked = await verify(api.app, access2)
        assert revoked.status_code == 403 and revoked.json()["code"] == "TOKEN_REVOKED"
        assert await live_sessions(redis, user) == []
        jti2 = token_payload(access2)["jti"]
        longest = api.settings.access_token_ttl_seconds + api.settings.jwt_leeway_seconds
        assert 0 < await redis.ttl(f"blacklist:{jti2}") <= longest
        events = [
            json.loads(fields[b"event"])
            for _, fields in await redis.xrange(api.settings.outbox_stream)
        ]
        assert any(e.get("jti") == jti2 and e["reason"] == "refresh_reuse" for e in events), events
        audits = await audit_rows(api, user_id=user)
        assert [a["event"] for a in audits].count("refresh_reuse") == 1
        assert "refresh" in [a["event"] for a in audits]


async def test_c2_reuse_after_grace_window_revokes_the_family_when_grace_is_short(
    app_factory, redis
):
    clock = FrozenClock()
    async with app_factory(refresh_grace_seconds=1, clock=clock) as api:
        first = await dev_login(api.client)
        access2, refresh2 = pair_of(await refresh(api.app, first.refresh, BROWSER_IP))
        clock.advance(2)
        reused = await refresh(api.app, first.refresh, BROWSER_IP)
        assert reused.status_code == 401
        assert (await refresh(api.app, refresh2)).status_code == 401
        registry = api.app.state.api.metrics.registry
        assert registry.get_sample_value("auth_refresh_reuse_detected_total") == 1
        # A refusal is counted by its error code: the reuse, then the family's dead token.
        assert registry.get_sample_value("auth_refresh_total", {"outcome": "token_revoked"}) == 2
        assert (await verify(api.app, access2)).status_code == 403
        assert await live_sessions(redis, subject_of(first.access)) == []


async def test_c3_twenty_parallel_refreshes_make_at_most_one_successor_when_grace_is_on(api, redis):
    first = await dev_login(api.client)
    user = subject_of(first.access)

    answers = await asyncio.gather(
        *(refresh(api.app, first.refresh, BROWSER_IP) for _ in range(20))
    )

    ok = [a for a in answers if a.status_code == 201]
    assert ok, [a.text for a in answers]
    assert all(a.status_code in (201, 401, 409) for a in answers)
    assert len({pair_of(a) for a in ok}) == 1
    registry = api.app.state.api.metrics.registry
    assert registry.get_sample_value("auth_refresh_total", {"outcome": "rotated"}) == 1
    grace = registry.get_sample_value("auth_refresh_total", {"outcome": "grace"}) or 0
    assert grace == len(ok) - 1
    sessions = await live_sessions(redis, user)
    assert sessions == [token_payload(first.refresh)["sid"]]
    access, successor = pair_of(ok[0])
    current = await redis.hget(f"auth:session:{sessions[0]}", "rjti")
    assert current.decode() == token_payload(successor)["jti"]
    assert (await verify(api.app, access)).status_code == 200
    assert (await refresh(api.app, successor, BROWSER_IP)).status_code == 201


async def test_c3_twenty_parallel_refreshes_yield_at_most_one_success_when_grace_is_off(
    app_factory, redis
):
    async with app_factory(refresh_grace_seconds=0) as api:
        first = await dev_login(api.client)
        answers = await asyncio.gather(*(refresh(api.app, first.refresh) for _ in range(20)))
        ok = [a for a in answers if a.status_code == 201]
        assert len(ok) <= 1
        assert all(a.status_code in (201, 401) for a in answers)
        assert len(await live_sessions(redis, subject_of(first.access))) <= 1


async def test_c5_deleted_users_tokens_stop_working_on_every_device(api, redis):
    name = "c5-deleted"
    phone = await dev_login(api.client, name)
    async with client_for(api.app) as laptop_client:
        laptop = await dev_login(laptop_client, name)
    user = subject_of(phone.access)
    assert subject_of(laptop.access) == user

    deleted = await api.client.delete(f"{API}/me", headers=bearer(phone.access))

    assert deleted.status_code == 200, deleted.text
    for token in (phone.access, laptop.access):
        response = await verify(api.app, token)
        assert response.status_code == 403 and response.json()["code"] == "TOKEN_REVOKED"
        async with client_for(api.app) as client:
            me = await client.get(f"{API}/me", headers=bearer(token))
        assert me.status_code in (401, 403, 404) and me.status_code != 200
    for token in (phone.refresh, laptop.refresh):
        assert (await refresh(api.app, token)).status_code == 401
    assert await live_sessions(redis, user) == []
    assert "account_deleted" in [a["event"] for a in await audit_rows(api, user_id=user)]


async def test_c6_refresh_fails_closed_with_503_when_redis_is_unreachable(app_factory, redis):
    key = private_pem(new_ec_key())
    async with (
        app_factory(jwt_private_key=key, jwt_key_id=KID) as healthy,
        app_factory(jwt_private_key=key, jwt_key_id=KID, redis_url="redis://127.0.0.1:1/0") as down,
    ):
        logged = await dev_login(healthy.client)
        before = await redis.hgetall(f"auth:session:{token_payload(logged.refresh)['sid']}")

        failed = await refresh(down.app, logged.refresh)

        assert failed.status_code == 503, failed.text
        assert failed.json()["code"] == "STORAGE_UNAVAILABLE"
        assert "s_refresh" not in set_cookies(failed)
        assert (await verify(down.app, logged.access)).status_code == 503
        after = await redis.hgetall(f"auth:session:{token_payload(logged.refresh)['sid']}")
        assert after == before
        assert (await refresh(healthy.app, logged.refresh)).status_code == 201


async def test_c6_no_half_rotated_state_when_redis_connection_is_cut_mid_session(
    app_factory, redis
):
    proxy = await CuttableProxy().start()
    try:
        async with app_factory(redis_url=proxy.url, refresh_grace_seconds=0) as api:
            logged = await dev_login(api.client)
            sid = token_payload(logged.refresh)["sid"]
            before = await redis.hgetall(f"auth:session:{sid}")
            proxy.cut()

            failed = await refresh(api.app, logged.refresh)
            unverified = await verify(api.app, logged.access)

            assert failed.status_code == 503 and failed.json()["code"] == "STORAGE_UNAVAILABLE"
            assert "s_refresh" not in set_cookies(failed)
            assert unverified.status_code == 503
            assert await redis.hgetall(f"auth:session:{sid}") == before
            proxy.restore()
            retried = await refresh(api.app, logged.refresh)
            assert retried.status_code == 201, retried.text
            assert (await verify(api.app, logged.access)).status_code == 403
            assert await live_sessions(redis, subject_of(logged.access)) == [sid]
    finally:
        await proxy.close()
