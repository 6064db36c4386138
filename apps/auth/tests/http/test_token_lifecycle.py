from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from apps.auth.tests.support import (
    API,
    audit_events,
    bearer,
    dev_login,
    refresh_header,
    token_payload,
)


async def _refresh(test_app, token):
    return await test_app.post_once(f"{API}/refresh", headers=refresh_header(token))


async def test_refresh_rotates_both_tokens_when_refresh_token_is_current(api):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    response = await _refresh(api, logged.refresh)
    assert response.status_code == 201
    assert response.json()["success"] is True
    new_access, new_refresh = response.cookies["s_access"], response.cookies["s_refresh"]
    assert new_refresh != logged.refresh and new_access != logged.access
    assert token_payload(new_refresh)["sid"] == token_payload(logged.refresh)["sid"]
    old = await api.client.get(f"{API}/verify", headers=bearer(logged.access))
    assert old.status_code == 403 and old.json()["code"] == "TOKEN_REVOKED"
    new = await api.client.get(f"{API}/verify", headers=bearer(new_access))
    assert new.status_code == 200


async def test_refresh_reads_cookie_when_no_header(api):
    await dev_login(api.client)
    response = await api.client.post(f"{API}/refresh")
    assert response.status_code == 201
    assert "s_refresh=" in response.headers.get("set-cookie", "")


async def test_grace_duplicate_gets_same_successor_when_within_window(api):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    first = await _refresh(api, logged.refresh)
    second = await _refresh(api, logged.refresh)
    assert first.status_code == second.status_code == 201
    assert first.cookies["s_refresh"] == second.cookies["s_refresh"]
    assert first.cookies["s_access"] == second.cookies["s_access"]


async def test_refresh_answers_the_expiry_times_its_tokens_carry_and_a_grace_repeat_the_same(api):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    first = await _refresh(api, logged.refresh)
    repeat = await _refresh(api, logged.refresh)
    assert first.json() == repeat.json()
    data = first.json()["data"]
    access, refresh = (
        token_payload(first.cookies["s_access"]),
        token_payload(first.cookies["s_refresh"]),
    )
    assert data["access_expires_at"] == _iso_of(access["exp"])
    assert data["refresh_expires_at"] == _iso_of(refresh["exp"])


def _iso_of(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


async def test_reuse_revokes_family_and_audits_when_grace_disabled(app_factory, redis):
    async with app_factory(refresh_grace_seconds=0) as t:
        logged = await dev_login(t.client)
        t.client.cookies.clear()
        rotated = await _refresh(t, logged.refresh)
        assert rotated.status_code == 201
        reused = await _refresh(t, logged.refresh)
        assert reused.status_code == 401
        assert reused.json()["code"] == "TOKEN_REVOKED"
        successor = await _refresh(t, rotated.cookies["s_refresh"])
        assert successor.status_code == 401
        verify = await t.client.get(f"{API}/verify", headers=bearer(rotated.cookies["s_access"]))
        assert verify.status_code == 403
        sid = token_payload(logged.refresh)["sid"]
        assert not await redis.exists(f"auth:session:{sid}")
        reasons = [
            json.loads(e[b"event"]).get("reason")
            for _, e in await redis.xrange(t.settings.outbox_stream)
        ]
        assert "refresh_reuse" in reasons
        events = await audit_events(t, token_payload(logged.access)["sub"])
        assert "refresh_reuse" in events and "refresh" in events and "login_success" in events


async def test_parallel_refreshes_leave_one_live_successor_when_twenty_race(app_factory):
    async with app_factory(refresh_grace_seconds=10) as t:
        logged = await dev_login(t.client)
        t.client.cookies.clear()
        responses = await asyncio.gather(*(_refresh(t, logged.refresh) for _ in range(20)))
        ok = [r for r in responses if r.status_code == 201]
        assert ok, [r.json() for r in responses]
        assert len({r.cookies["s_refresh"] for r in ok}) == 1
        sessions = await t.client.get(f"{API}/sessions", headers=bearer(ok[0].cookies["s_access"]))
        assert len(sessions.json()["sessions"]) == 1


async def test_parallel_refreshes_without_grace_yield_one_success(app_factory):
    async with app_factory(refresh_grace_seconds=0) as t:
        logged = await dev_login(t.client)
        t.client.cookies.clear()
        responses = await asyncio.gather(*(_refresh(t, logged.refresh) for _ in range(20)))
        assert sum(r.status_code == 201 for r in responses) == 1
        assert {r.status_code for r in responses} <= {201, 401}


async def test_access_token_at_refresh_gives_type_mismatch(api):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    response = await _refresh(api, logged.access)
    assert response.status_code == 400
    assert response.json()["code"] == "TOKEN_TYPE_MISMATCH"


async def test_refresh_token_at_verify_gives_401(api):
    logged = await dev_login(api.client)
    response = await api.client.get(f"{API}/verify", headers=bearer(logged.refresh))
    assert response.status_code == 401


async def test_missing_refresh_token_gives_401(api):
    response = await api.client.post(f"{API}/refresh")
    assert response.status_code == 401
    assert response.json()["code"] == "MISSING_TOKEN"


async def test_session_maximum_enforced_when_session_expired(app_factory, redis):
    async with app_factory() as t:
        logged = await dev_login(t.client)
        sid = token_payload(logged.refresh)["sid"]
        await redis.hset(f"auth:session:{sid}", "expires", 1.0)
        t.client.cookies.clear()
        response = await _refresh(t, logged.refresh)
        assert response.status_code == 401
        assert response.json()["code"] == "TOKEN_EXPIRED"
        assert not await redis.exists(f"auth:session:{sid}")


async def test_logout_revokes_and_clears_cookies(api, redis):
    logged = await dev_login(api.client)
    response = await api.client.post(f"{API}/logout")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"message": "Successfully logged out"}}
    cleared = response.headers.get_list("set-cookie")
    assert any(c.startswith("s_access=") and "Max-Age=0" in c for c in cleared)
    assert any(c.startswith("s_refresh=") and "Max-Age=0" in c for c in cleared)
    jti = token_payload(logged.access)["jti"]
    longest = api.settings.access_token_ttl_seconds + api.settings.jwt_leeway_seconds
    assert 0 < await redis.ttl(f"blacklist:{jti}") <= longest
    verify = await api.client.get(f"{API}/verify", headers=bearer(logged.access))
    assert verify.status_code == 403
    again = await _refresh(api, logged.refresh)
    assert again.status_code == 401


async def test_logout_writes_one_outbox_event_in_compat_format(api, redis):
    logged = await dev_login(api.client)
    await api.client.post(f"{API}/logout")
    entries = await redis.xrange(api.settings.outbox_stream)
    assert len(entries) == 1
    raw = entries[0][1][b"event"]
    event = json.loads(raw)
    claims = token_payload(logged.access)
    assert list(event) == ["type", "jti", "user_id", "expires_at", "reason", "timestamp"]
    assert event["type"] == "add" and event["jti"] == claims["jti"]
    assert event["user_id"] == claims["sub"] and event["reason"] == "logout"
    assert event["expires_at"].endswith("Z") and event["timestamp"].endswith("Z")
    assert await redis.get(f"blacklist:{claims['jti']}") == raw


async def test_logout_is_verified_on_second_instance_sharing_redis(app_factory, stream_name):
    async with app_factory() as one, app_factory() as two:
        logged = await dev_login(one.client)
        assert (
            await two.client.get(f"{API}/verify", headers=bearer(logged.access))
        ).status_code == 200
        assert (await one.client.post(f"{API}/logout")).status_code == 200
        after = await two.client.get(f"{API}/verify", headers=bearer(logged.access))
        assert after.status_code == 403
        assert after.json()["code"] == "TOKEN_REVOKED"


async def test_logout_all_revokes_every_session(api, app_factory):
    first = await dev_login(api.client, "multi-device")
    async with app_factory() as other:
        second = await dev_login(other.client, "multi-device")
        response = await api.client.post(f"{API}/logout-all")
        assert response.status_code == 200
        for token in (first.access, second.access):
            verify = await other.client.get(f"{API}/verify", headers=bearer(token))
            assert verify.status_code == 403
        other.client.cookies.clear()
        assert (await _refresh(other, second.refresh)).status_code == 401


async def test_sessions_listed_and_one_revoked(api, app_factory):
    first = await dev_login(api.client, "sessions-user", device_id="phone-1")
    async with app_factory() as other:
        second = await dev_login(other.client, "sessions-user", device_id="laptop-2")
    listed = await api.client.get(f"{API}/sessions")
    assert listed.status_code == 200
    sessions = listed.json()["sessions"]
    assert {s["device_id"] for s in sessions} == {"phone-1", "laptop-2"}
    assert [s["current"] for s in sessions].count(True) == 1
    other_sid = token_payload(second.refresh)["sid"]
    deleted = await api.client.delete(f"{API}/sessions/{other_sid}")
    assert deleted.status_code == 200
    verify = await api.client.get(f"{API}/verify", headers=bearer(second.access))
    assert verify.status_code == 403
    still = await api.client.get(f"{API}/verify", headers=bearer(first.access))
    assert still.status_code == 200
    missing = await api.client.delete(f"{API}/sessions/{other_sid}")
    assert missing.status_code == 404 and missing.json()["code"] == "SESSION_NOT_FOUND"


async def test_delete_me_removes_user_and_revokes_tokens(api):
    logged = await dev_login(api.client, "to-be-deleted")
    response = await api.client.delete(f"{API}/me")
    assert response.status_code == 200
    verify = await api.client.get(f"{API}/verify", headers=bearer(logged.access))
    assert verify.status_code == 403
    api.client.cookies.clear()
    assert (await _refresh(api, logged.refresh)).status_code == 401
    fresh = await dev_login(api.client, "to-be-deleted")
    assert token_payload(fresh.access)["sub"] != token_payload(logged.access)["sub"]


async def test_verify_sets_identity_headers_and_ignores_client_supplied_ones(api):
    logged = await dev_login(api.client)
    response = await api.client.get(
        f"{API}/verify",
        headers={**bearer(logged.access), "x-user-id": "someone-else", "x-auth-provider": "kakao"},
    )
    assert response.status_code == 200
    assert response.headers["x-user-id"] == token_payload(logged.access)["sub"]
    assert response.headers["x-auth-provider"] == "dev"


async def test_verify_reads_access_cookie(api):
    await dev_login(api.client)
    response = await api.client.get(f"{API}/verify")
    assert response.status_code == 200


async def test_verify_without_token_gives_401(api):
    response = await api.client.get(f"{API}/verify")
    assert response.status_code == 401


async def test_verify_answers_envoy_style_check_with_original_method_and_path(api):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    for method in ("POST", "DELETE", "PATCH"):
        response = await api.client.request(
            method, f"{API}/verify/api/v1/scan/photos?id=3", headers=bearer(logged.access)
        )
        assert response.status_code == 200
        assert response.headers["x-user-id"] == token_payload(logged.access)["sub"]
    denied = await api.client.post(f"{API}/verify/api/v1/scan")
    assert denied.status_code == 401
