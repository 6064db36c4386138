from __future__ import annotations

import json
import time
from datetime import datetime

import pytest

from apps.auth.domain.token import TokenType
from apps.auth.tests.security.attack import (
    KID,
    audit_rows,
    claims,
    client_for,
    es256,
    live_sessions,
    new_ec_key,
    private_pem,
    set_cookies,
    subject_of,
)
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload


async def verify(app, token: str):
    async with client_for(app) as client:
        return await client.get(f"{API}/verify", headers=bearer(token))


async def refresh(app, token: str):
    async with client_for(app) as client:
        return await client.post(f"{API}/refresh", headers=refresh_header(token))


def assert_revoked(response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "TOKEN_REVOKED"


async def test_d1_logout_on_one_replica_revokes_on_another_when_they_share_redis(
    app_factory, redis
):
    key = private_pem(new_ec_key())
    async with (
        app_factory(jwt_private_key=key, jwt_key_id=KID) as replica_a,
        app_factory(jwt_private_key=key, jwt_key_id=KID) as replica_b,
    ):
        logged = await dev_login(replica_a.client)
        assert (await verify(replica_b.app, logged.access)).status_code == 200

        out = await replica_a.client.post(f"{API}/logout")

        assert out.status_code == 200
        assert out.json() == {"success": True, "data": {"message": "Successfully logged out"}}
        assert_revoked(await verify(replica_b.app, logged.access))
        assert_revoked(await verify(replica_a.app, logged.access))
        assert (await refresh(replica_b.app, logged.refresh)).status_code == 401
        claims_ = token_payload(logged.access)
        ttl = await redis.ttl(f"blacklist:{claims_['jti']}")
        # Its remaining life plus the leeway verification allows past `exp`.
        remaining = claims_["exp"] - int(time.time()) + replica_a.settings.jwt_leeway_seconds
        assert remaining - 2 <= ttl <= remaining + 1
        events = [
            json.loads(f[b"event"]) for _, f in await redis.xrange(replica_a.settings.outbox_stream)
        ]
        [event] = [e for e in events if e.get("jti") == claims_["jti"]]
        assert event["type"] == "add" and event["reason"] == "logout"
        assert event["user_id"] == claims_["sub"]
        assert (
            datetime.fromisoformat(event["expires_at"].replace("Z", "+00:00")).timestamp()
            == (claims_["exp"])
        )


async def test_d1_logout_revokes_on_another_replica_at_once_when_its_claims_cache_is_warm(
    app_factory,
):
    key = private_pem(new_ec_key())
    async with (
        app_factory(jwt_private_key=key, jwt_key_id=KID) as replica_a,
        app_factory(jwt_private_key=key, jwt_key_id=KID) as replica_b,
    ):
        logged = await dev_login(replica_a.client)
        assert (await verify(replica_b.app, logged.access)).status_code == 200
        codec = replica_b.runtime.codec
        assert codec.decode(logged.access, TokenType.ACCESS) is codec.decode(
            logged.access, TokenType.ACCESS
        ), "replica B answers this token from its claims cache"

        out = await replica_a.client.post(f"{API}/logout")

        assert out.status_code == 200
        assert_revoked(await verify(replica_b.app, logged.access))


async def test_d2_logout_never_reports_success_when_redis_is_down(app_factory, redis):
    key = private_pem(new_ec_key())
    async with (
        app_factory(jwt_private_key=key, jwt_key_id=KID) as healthy,
        app_factory(jwt_private_key=key, jwt_key_id=KID, redis_url="redis://127.0.0.1:1/0") as down,
    ):
        logged = await dev_login(healthy.client)
        async with client_for(down.app) as client:
            out = await client.post(
                f"{API}/logout",
                headers={**bearer(logged.access), **refresh_header(logged.refresh)},
            )
        assert out.status_code == 503, out.text
        assert out.json()["code"] == "STORAGE_UNAVAILABLE"
        assert "success" not in out.json()
        assert set_cookies(out) == {}
        assert (await verify(healthy.app, logged.access)).status_code == 200


async def test_d2_token_fails_immediately_when_logout_answered_success(api):
    logged = await dev_login(api.client)
    out = await api.client.post(f"{API}/logout")
    assert out.status_code == 200
    assert_revoked(await verify(api.app, logged.access))
    assert (await refresh(api.app, logged.refresh)).status_code == 401


@pytest.mark.parametrize("presented", ["access-only", "refresh-only"])
async def test_d2_logout_with_one_token_kills_both_when_they_share_a_session(api, presented):
    logged = await dev_login(api.client)
    headers = (
        bearer(logged.access) if presented == "access-only" else refresh_header(logged.refresh)
    )
    async with client_for(api.app) as client:
        out = await client.post(f"{API}/logout", headers=headers)
    assert out.status_code == 200
    assert_revoked(await verify(api.app, logged.access))
    assert (await refresh(api.app, logged.refresh)).status_code == 401


async def test_d3_logout_all_revokes_every_session_and_older_access_tokens(keyed, redis):
    api = keyed.api
    name = "d3-everyone"
    devices = [await dev_login(api.client, name)]
    for _ in range(2):
        async with client_for(api.app) as other:
            devices.append(await dev_login(other, name))
    user = subject_of(devices[0].access)
    rotated = await refresh(api.app, devices[2].refresh)
    rotated_access, rotated_refresh = rotated.cookies["s_access"], rotated.cookies["s_refresh"]
    older = es256(keyed.key, claims(sub=user, iat=int(time.time()) - 5, nbf=int(time.time()) - 5))
    assert (await verify(api.app, older)).status_code == 200

    out = await api.client.post(f"{API}/logout-all", headers=bearer(devices[0].access))

    assert out.status_code == 200, out.text
    for token in [d.access for d in devices[:2]] + [rotated_access, older]:
        assert_revoked(await verify(api.app, token))
    for token in [d.refresh for d in devices[:2]] + [rotated_refresh]:
        assert (await refresh(api.app, token)).status_code == 401
    assert await live_sessions(redis, user) == []
    assert "logout_all" in [a["event"] for a in await audit_rows(api, user_id=user)]
    async with client_for(api.app) as fresh:
        again = await dev_login(fresh, name)
    assert (await verify(api.app, again.access)).status_code == 200


async def test_d4_user_lists_sessions_and_revokes_one_when_another_device_is_lost(api, redis):
    name = "d4-lister"
    phone = await dev_login(api.client, name, device_id="phone-1")
    async with client_for(api.app) as laptop_client:
        laptop = await dev_login(laptop_client, name, device_id="laptop-1")

    listed = await api.client.get(f"{API}/sessions")

    assert listed.status_code == 200
    sessions = {s["id"]: s for s in listed.json()["sessions"]}
    phone_sid, laptop_sid = (token_payload(t.access)["sid"] for t in (phone, laptop))
    assert set(sessions) == {phone_sid, laptop_sid}
    assert sessions[phone_sid]["current"] is True and sessions[laptop_sid]["current"] is False
    assert sessions[laptop_sid]["device_id"] == "laptop-1"
    assert all(s["ip"] and s["created_at"] and s["last_used_at"] for s in sessions.values())

    revoked = await api.client.delete(f"{API}/sessions/{laptop_sid}")

    assert revoked.status_code == 200, revoked.text
    assert_revoked(await verify(api.app, laptop.access))
    assert (await refresh(api.app, laptop.refresh)).status_code == 401
    assert (await verify(api.app, phone.access)).status_code == 200
    assert await live_sessions(redis, subject_of(phone.access)) == [phone_sid]
    assert "session_revoked" in [
        a["event"] for a in await audit_rows(api, user_id=subject_of(phone.access))
    ]


async def test_d4_revoking_someone_elses_session_is_not_found_when_ids_are_guessed(api):
    victim = await dev_login(api.client, "d4-victim")
    victim_sid = token_payload(victim.access)["sid"]
    async with client_for(api.app) as mallory_client:
        mallory = await dev_login(mallory_client, "d4-mallory")
        stolen = await mallory_client.delete(f"{API}/sessions/{victim_sid}")
        assert stolen.status_code == 404
        assert stolen.json()["code"] == "SESSION_NOT_FOUND"
        mine = await mallory_client.get(f"{API}/sessions")
        assert [s["id"] for s in mine.json()["sessions"]] == [token_payload(mallory.access)["sid"]]
        for bad in ("..%2F..%2Fx", "*", "%00", "a" * 200, "x%20y"):
            response = await mallory_client.delete(f"{API}/sessions/{bad}")
            assert response.status_code in (404, 405, 422), (bad, response.text)
    assert (await verify(api.app, victim.access)).status_code == 200
    assert (await refresh(api.app, victim.refresh)).status_code == 201
