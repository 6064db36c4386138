from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from apps.auth.tests.security.attack import (
    audit_rows,
    client_for,
    live_sessions,
    set_cookies,
    subject_of,
    unique_ip,
)
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload

REPO = Path(__file__).resolve().parents[4]


def spoofed(user_id: str) -> dict[str, str]:
    return {"x-user-id": user_id, "x-auth-provider": "kakao", "X-User-Id": user_id}


async def test_f3_client_supplied_identity_headers_are_ignored_when_no_token_is_sent(api, redis):
    victim = await dev_login(api.client, f"f3-{uuid.uuid4().hex[:6]}")
    user = subject_of(victim.access)
    async with client_for(api.app) as mallory:
        for method, path in (
            ("GET", "/me"),
            ("GET", "/sessions"),
            ("GET", "/verify"),
            ("POST", "/logout-all"),
            ("DELETE", "/me"),
        ):
            response = await mallory.request(method, f"{API}{path}", headers=spoofed(user))
            assert response.status_code == 401, (path, response.text)
            assert "x-user-id" not in response.headers
    assert len(await live_sessions(redis, user)) == 1
    assert (await api.client.get(f"{API}/me")).json()["id"] == user


async def test_f3_verify_reports_the_tokens_user_when_request_claims_another(api):
    victim = await dev_login(api.client, f"f3-v-{uuid.uuid4().hex[:6]}")
    async with client_for(api.app) as mallory_client:
        mallory = await dev_login(mallory_client, f"f3-m-{uuid.uuid4().hex[:6]}")
        headers = {**bearer(mallory.access), **spoofed(subject_of(victim.access))}
        verified = await mallory_client.get(f"{API}/verify", headers=headers)
        me = await mallory_client.get(f"{API}/me", headers=headers)
    assert verified.status_code == 200
    assert verified.headers["x-user-id"] == subject_of(mallory.access)
    assert verified.headers["x-auth-provider"] == "dev"
    assert me.json()["id"] == subject_of(mallory.access)


def assert_limited(response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def test_g1_authorize_is_rate_limited_per_client_ip_when_flooded(app_factory):
    async with (
        app_factory(rate_limit_authorize=3) as api,
        client_for(api.app) as flooder,
        client_for(api.app) as bystander,
    ):
        for path in ("/dev/authorize", "/dev/login", "/dev"):
            assert (await flooder.get(f"{API}{path}")).status_code == 200
        assert_limited(await flooder.get(f"{API}/dev/authorize"))
        assert_limited(await flooder.get(f"{API}/dev/login"))
        assert (await bystander.get(f"{API}/dev/authorize")).status_code == 200


async def test_g1_callback_is_rate_limited_per_client_ip_when_flooded(app_factory):
    async with app_factory(rate_limit_callback=2) as api, client_for(api.app) as flooder:
        for _ in range(2):
            response = await flooder.get(f"{API}/dev/callback", params={"state": "x", "code": "y"})
            assert response.status_code == 302
        assert_limited(await flooder.get(f"{API}/dev/callback", params={"state": "x", "code": "y"}))


async def test_g1_refresh_is_rate_limited_per_ip_and_does_not_rotate_when_limited(
    app_factory, redis
):
    async with app_factory(rate_limit_refresh_per_ip=3) as api, client_for(api.app) as browser:
        await dev_login(browser)
        for _ in range(3):
            assert (await browser.post(f"{API}/refresh")).status_code == 201
        sid = token_payload(browser.cookies["s_refresh"])["sid"]
        before = await redis.hget(f"auth:session:{sid}", "rjti")
        limited = await browser.post(f"{API}/refresh")
        assert_limited(limited)
        assert "s_refresh" not in set_cookies(limited)
        assert await redis.hget(f"auth:session:{sid}", "rjti") == before


async def test_g1_refresh_is_rate_limited_per_user_when_requests_come_from_many_ips(
    app_factory,
):
    async with app_factory(rate_limit_refresh_per_user=2) as api:
        logged = await dev_login(api.client)
        token = logged.refresh
        for _ in range(2):
            async with client_for(api.app) as somewhere:
                response = await somewhere.post(f"{API}/refresh", headers=refresh_header(token))
                assert response.status_code == 201
                token = response.cookies["s_refresh"]
        async with client_for(api.app) as elsewhere:
            assert_limited(await elsewhere.post(f"{API}/refresh", headers=refresh_header(token)))


@pytest.mark.parametrize("hops", [0, 1, 2])
async def test_g1_forwarded_for_spoofing_does_not_escape_the_limit_when_beyond_trusted_hops(
    app_factory, redis, hops
):
    async with app_factory(rate_limit_authorize=2, trusted_proxy_hops=hops) as api:
        proxy, real, inner = unique_ip(), unique_ip(), unique_ip()
        trusted_tail = [real, inner][: max(hops, 1)] if hops else []
        async with client_for(api.app, ip=proxy) as via_proxy:
            for n in range(5):
                forged = [unique_ip() for _ in range(n + 1)]
                chain = ", ".join(forged + trusted_tail)
                response = await via_proxy.get(
                    f"{API}/dev/authorize", headers={"X-Forwarded-For": chain}
                )
                if n < 2:
                    assert response.status_code == 200, (n, response.text)
                else:
                    assert_limited(response)
        keyed_on = {0: proxy, 1: real, 2: real}[hops]
        assert await redis.exists(f"auth:rl:authorize:ip:{keyed_on}")


async def test_g1_forwarded_for_distinguishes_real_clients_when_one_proxy_is_trusted(app_factory):
    async with (
        app_factory(rate_limit_authorize=1, trusted_proxy_hops=1) as api,
        client_for(api.app, ip=unique_ip()) as proxy,
    ):
        for _ in range(2):
            ok = await proxy.get(f"{API}/dev/authorize", headers={"X-Forwarded-For": unique_ip()})
            assert ok.status_code == 200


@pytest.mark.parametrize("hops", [0, 1])
async def test_g2_audit_covers_every_event_with_ip_from_trusted_hops_only(app_factory, hops):
    async with app_factory(trusted_proxy_hops=hops, refresh_grace_seconds=0) as api:
        proxy, real = unique_ip(), unique_ip()
        expected_ip = real if hops else proxy
        forwarded = {"X-Forwarded-For": f"6.6.6.6, {real}", "User-Agent": "g2-agent"}
        async with client_for(api.app, ip=proxy) as browser:
            browser.headers.update(forwarded)
            first = await dev_login(browser, f"g2-{uuid.uuid4().hex[:6]}")
            assert (await browser.post(f"{API}/refresh")).status_code == 201
            browser.cookies.clear()
            reused = await browser.post(f"{API}/refresh", headers=refresh_header(first.refresh))
            assert reused.status_code == 401
            await dev_login(browser)
            assert (await browser.post(f"{API}/logout")).status_code == 200
            await dev_login(browser)
            assert (await browser.post(f"{API}/logout-all")).status_code == 200
            failed = await browser.get(f"{API}/dev/callback", params={"state": "nope", "code": "x"})
            assert "error=INVALID_STATE" in failed.headers["location"]
        rows = await audit_rows(api, ip=expected_ip)
        events = {row["event"] for row in rows}
        assert {
            "login_success",
            "login_failure",
            "refresh",
            "refresh_reuse",
            "logout",
            "logout_all",
        } <= events, events
        assert all(row["user_agent"] == "g2-agent" for row in rows)
        assert await audit_rows(api, ip="6.6.6.6") == []


@pytest.mark.parametrize("down", ["redis", "postgres"])
async def test_g4_readiness_fails_and_liveness_holds_when_a_backend_is_down(app_factory, down):
    broken = (
        {"redis_url": "redis://127.0.0.1:1/0"}
        if down == "redis"
        else {"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"}
    )
    async with app_factory(**broken) as api:
        for path in ("/ready", f"{API}/ready"):
            ready = await api.client.get(path)
            assert ready.status_code == 503, ready.text
            checks = ready.json()["checks"]
            assert checks[down] == "unavailable"
            assert {v for k, v in checks.items() if k != down} == {"ok"}
        for path in ("/health", f"{API}/health"):
            health = await api.client.get(path)
            assert health.status_code == 200 and health.json()["status"] == "ok"


async def test_g4_readiness_passes_when_both_backends_answer(api):
    ready = await api.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "redis": "ok"}


def _workflow_steps() -> list[str]:
    runs = []
    for path in sorted((REPO / ".github" / "workflows").glob("*.y*ml")):
        document = yaml.safe_load(path.read_text()) or {}
        for job in (document.get("jobs") or {}).values():
            for step in job.get("steps") or []:
                runs.append(f"{step.get('run', '')} {step.get('uses', '')}")
    return runs


def test_g5_ci_audits_the_locked_dependencies_when_services_are_built():
    audits = [step for step in _workflow_steps() if "pip-audit" in step or "pip_audit" in step]
    assert audits, "no workflow step in .github/workflows runs pip-audit"
    for step in audits:
        for token in step.split():
            if token.startswith("--ignore-vuln"):
                assert "#" in step, f"ignored vulnerability without a reason: {step}"
