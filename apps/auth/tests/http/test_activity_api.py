"""GET /me/activity and the sessions' device names through the real app on Postgres + Redis."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.tests.http.activity_clients import ANDROID, IPHONE, KAKAO, browsers
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload

ACTIVITY = f"{API}/me/activity"


@pytest.fixture
async def api(app_factory: Callable[..., Any]):  # type: ignore[no-untyped-def]
    async with app_factory(trusted_proxy_hops=1) as test_app:
        yield test_app


async def _activity(client: Any, **params: Any) -> dict[str, Any]:
    answer = await client.get(ACTIVITY, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_own_events_newest_first_with_named_devices_and_masked_networks_when_listed(
    api: Any,
) -> None:
    name = f"act-{uuid4().hex[:8]}"
    async with browsers(api) as open_browser:
        phone = await open_browser(IPHONE, "203.0.113.77")
        kakao = await open_browser(KAKAO, "2001:db8:85a3:1234::9")
        first = await dev_login(phone, name=name)
        await dev_login(kakao, name=name)
        sid = first.claims["sid"]
        assert (await kakao.delete(f"{API}/sessions/{sid}")).status_code == 200
        await api.runtime.storage.flush_audit()

        page = await _activity(kakao)

    kinds = [item["kind"] for item in page["items"]]
    assert kinds == ["session_ended", "sign_in", "sign_in"]
    ended, kakao_in, phone_in = page["items"]
    assert phone_in["device"]["label"] == "Safari · iPhone"
    assert phone_in["network"] == "203.0.113.x"
    assert kakao_in["device"] == {
        "label": "KakaoTalk in-app browser",
        "browser": "Android WebView",
        "os": "Android",
        "in_app": "KakaoTalk",
    }
    assert kakao_in["network"] == "2001:db8:85a3::/48"
    assert kakao_in["new_device"] is True and phone_in["new_device"] is False
    assert ended["device"]["in_app"] == "KakaoTalk" and ended["provider"] == "dev"
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", i["at"])
        for i in kinds and page["items"]
    )
    assert page["next_cursor"] is None
    text = json.dumps(page)
    assert "203.0.113.77" not in text and "1234::9" not in text


async def test_sessions_carry_a_device_and_the_raw_user_agent_when_listed(api: Any) -> None:
    async with browsers(api) as open_browser:
        android = await open_browser(ANDROID, "198.51.100.20")
        await dev_login(android)
        answer = await android.get(f"{API}/sessions")

    [session] = answer.json()["sessions"]
    assert session["device"] == {
        "label": "Chrome · Android",
        "browser": "Chrome",
        "os": "Android",
        "in_app": None,
    }
    assert session["user_agent"] == ANDROID and session["current"] is True


@pytest.mark.parametrize(
    "agent",
    [
        "<script>alert(document.cookie)</script>",
        "Mozilla/5.0 \x7f\t<img src=x onerror=alert(1)>",
        "Mozilla/5.0 (iPhone) " + "<b>" * 4000,
    ],
)
async def test_hostile_user_agent_capped_and_named_unknown_when_shown(api: Any, agent: str) -> None:
    async with browsers(api) as open_browser:
        browser = await open_browser(agent, "192.0.2.1")
        await dev_login(browser)
        await api.runtime.storage.flush_audit()
        sessions = await browser.get(f"{API}/sessions")
        activity = await browser.get(ACTIVITY)

    assert sessions.headers["content-type"] == "application/json"
    [session] = sessions.json()["sessions"]
    assert len(session["user_agent"]) <= 512
    assert not [c for c in session["user_agent"] if ord(c) < 32 or ord(c) == 127]
    assert "<" not in session["device"]["label"]
    [item] = activity.json()["items"]
    assert item["device"]["label"] in {"Unknown device", "Safari · iPhone", "iOS WebView · iPhone"}
    assert "<" not in json.dumps(item["device"])


async def test_other_users_events_never_listed_when_asked_for_by_id_or_cursor(api: Any) -> None:
    async with browsers(api) as open_browser:
        victim = await open_browser(IPHONE, "203.0.113.5")
        attacker = await open_browser(ANDROID, "198.51.100.6")
        name = f"victim-{uuid4().hex[:8]}"
        victim_login = await dev_login(victim, name=name)
        for _ in range(3):
            await dev_login(victim, name=name)
        await dev_login(attacker)
        victim_id = victim_login.claims["sub"]
        await api.runtime.storage.flush_audit()
        victim_page = await _activity(victim, limit=1)
        assert victim_page["next_cursor"]

        stolen = await attacker.get(ACTIVITY, params={"cursor": victim_page["next_cursor"]})
        by_id = await _activity(attacker, user_id=victim_id, sub=victim_id, limit=100)
        forged = await attacker.get(
            ACTIVITY, headers={"x-user-id": victim_id}, params={"limit": 100}
        )

    assert stolen.status_code == 400 and stolen.json()["code"] == "CURSOR_INVALID"
    assert [i["kind"] for i in by_id["items"]] == ["sign_in"]
    assert [i["network"] for i in by_id["items"]] == ["198.51.100.x"]
    assert [i["network"] for i in forged.json()["items"]] == ["198.51.100.x"]
    assert victim_page["items"][0]["id"] not in json.dumps(by_id) + forged.text


async def test_no_token_material_in_any_answer_when_a_session_is_listed_and_refreshed(
    api: Any,
) -> None:
    async with browsers(api) as open_browser:
        browser = await open_browser(IPHONE, "203.0.113.8")
        thief = await open_browser(ANDROID, "198.51.100.66")
        name = f"tokens-{uuid4().hex[:8]}"
        login = await dev_login(browser, name=name)
        refreshed = await browser.post(f"{API}/refresh")
        assert refreshed.status_code == 201
        reused = await thief.post(f"{API}/refresh", headers=refresh_header(login.refresh))
        assert reused.status_code == 401
        relogin = await dev_login(browser, name=name)
        await api.runtime.storage.flush_audit()
        answers = [
            (await browser.get(ACTIVITY, params={"limit": 100})).text,
            (await browser.get(f"{API}/sessions")).text,
        ]

    secrets = {login.access, login.refresh, relogin.access, relogin.refresh}
    secrets |= {token_payload(t)["jti"] for t in (login.access, login.refresh)}
    secrets |= {token_payload(t)["jti"] for t in (relogin.access, relogin.refresh)}
    secrets |= {refreshed.cookies.get("s_access", ""), refreshed.cookies.get("s_refresh", "")}
    secrets.discard("")
    for answer in answers:
        assert "eyJ" not in answer
        assert not [s for s in secrets if s in answer]
    kinds = [i["kind"] for i in json.loads(answers[0])["items"]]
    assert "session_compromised" in kinds and "refresh" not in " ".join(kinds)


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "A" * 44,
        "A" * 43 + "=",
        "!" * 44,
        "A" * 5000,
        "%00",
        "null",
        "-1",
        "Zm9v",
    ],
)
async def test_malformed_cursor_refused_with_its_code_when_presented(api: Any, cursor: str) -> None:
    await dev_login(api.client)

    answer = await api.client.get(ACTIVITY, params={"cursor": cursor})

    assert answer.status_code == 400
    assert answer.json()["code"] == "CURSOR_INVALID"


@pytest.mark.parametrize("limit", ["0", "101", "1000000000000000000000", "-5", "abc", "1e3"])
async def test_out_of_range_limit_refused_with_validation_code_when_asked(
    api: Any, limit: str
) -> None:
    await dev_login(api.client)

    answer = await api.client.get(ACTIVITY, params={"limit": limit})

    assert answer.status_code == 422
    assert answer.json()["code"] == "VALIDATION_ERROR"


async def test_unauthenticated_refused_when_asking_for_activity(api: Any) -> None:
    answer = await api.client.get(ACTIVITY, headers=bearer("not-a-token"))

    assert answer.status_code == 401 and answer.json()["code"] == "INVALID_TOKEN"


async def test_pages_neither_skip_nor_repeat_when_events_are_written_while_paging(
    api: Any,
) -> None:
    login = await dev_login(api.client)
    user = UUID(login.claims["sub"])
    log = api.runtime.storage.audit
    start = datetime.now(UTC) - timedelta(hours=1)

    def record(at: datetime) -> LoginAudit:
        return LoginAudit(
            id=uuid4(),
            event=AuditEvent.LOGOUT,
            user_id=user,
            provider="dev",
            reason=None,
            ip="203.0.113.9",
            user_agent=IPHONE,
            occurred_at=at,
        )

    # 30 older records, ten of them sharing one instant, so the id breaks ties across pages.
    older = [record(start + timedelta(seconds=n // 3)) for n in range(30)]
    for item in older:
        await log.record(item)
    await api.runtime.storage.flush_audit()

    async def insert_newer() -> None:
        for _ in range(20):
            await log.record(record(datetime.now(UTC)))
            await api.runtime.storage.flush_audit()
            await asyncio.sleep(0)

    seen: list[str] = []
    cursor = None
    writer = asyncio.create_task(insert_newer())
    first = await _activity(api.client, limit=7)
    seen += [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = await _activity(api.client, limit=7, cursor=cursor)
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    await writer

    assert len(seen) == len(set(seen))
    tail = [s for s in seen if s in {str(o.id) for o in older}]
    expected = sorted(older, key=lambda a: (a.occurred_at, a.id), reverse=True)
    assert tail == [str(o.id) for o in expected]
    assert seen[-1] == str(expected[-1].id)
