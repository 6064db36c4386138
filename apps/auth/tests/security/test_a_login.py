from __future__ import annotations

import asyncio
import json
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from apps.auth.tests.fakes.fake_provider import s256
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.security.attack import (
    at_provider,
    audit_rows,
    client_for,
    live_sessions,
    provider_login,
    provider_settings,
    set_cookies,
    sets_tokens,
    unique_ip,
    user_ids_of_subject,
)
from apps.auth.tests.support import API, dev_login, path_of, start_login, token_payload

DEFAULT = "https://app.eco2.test"
URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def dev_callback_path(client: httpx.AsyncClient, name: str, **params: str) -> str:
    """Runs a login up to the provider's redirect back; the callback itself is left to the test."""
    started = await start_login(client, login_hint=name, **params)
    assert started.status_code == 302, started.text
    at_idp = await client.get(path_of(started.headers["location"]))
    assert at_idp.status_code == 302, at_idp.text
    return path_of(at_idp.headers["location"])


def assert_failed(response: httpx.Response, code: str | None = None, origin: str = DEFAULT):
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(f"{origin}/#/login?error="), location
    if code is not None:
        assert location == f"{origin}/#/login?error={code}"
    assert not sets_tokens(response)


@pytest.fixture
async def providers_api(app_factory, fake_provider):
    async with app_factory(**provider_settings(fake_provider)) as api:
        yield api


async def test_a1_state_is_server_generated_with_at_least_128_bits_when_login_starts(api, redis):
    states = []
    for _ in range(20):
        body = (await api.client.get(f"{API}/dev/authorize")).json()
        assert query_of(body["authorization_url"])["state"] == body["state"]
        states.append(body["state"])
    assert len(set(states)) == 20
    for state in states:
        assert len(state) >= 22 and set(state) <= URL_SAFE
        assert await redis.exists(f"auth:state:{state}")


@pytest.mark.parametrize("path", ["/dev/authorize", "/dev/login", "/dev"])
async def test_a1_client_supplied_state_is_ignored_when_passed_to_authorize(api, redis, path):
    chosen = f"attacker-{uuid.uuid4().hex}"
    response = await api.client.get(f"{API}{path}", params={"state": chosen})
    assert response.status_code == 200
    body = response.json()
    data = body.get("data", body)
    assert data["state"] != chosen
    assert query_of(data["authorization_url"])["state"] == data["state"]
    assert chosen not in response.text
    assert not await redis.exists(f"auth:state:{chosen}")
    assert_failed(
        await api.client.get(f"{API}/dev/callback", params={"state": chosen, "code": "c"})
    )


@pytest.mark.parametrize("binding", ["missing", "other-browser", "forged"])
async def test_a2_callback_is_refused_and_opens_no_session_when_browser_binding_differs(
    api, binding
):
    name = f"a2-{uuid.uuid4().hex[:8]}"
    async with client_for(api.app) as attacker:
        callback = await dev_callback_path(attacker, name)
    ip = unique_ip()
    async with client_for(api.app, ip=ip) as victim:
        if binding == "other-browser":
            assert (await start_login(victim)).status_code == 302
        elif binding == "forged":
            victim.headers["Cookie"] = f"s_login={'A' * 43}"
        response = await victim.get(callback)
        assert_failed(response, "INVALID_STATE")
        assert "s_access" not in victim.cookies
    assert await user_ids_of_subject(api, "dev", f"dev-{name}") == []
    [audit] = await audit_rows(api, ip=ip)
    assert audit["event"] == "login_failure" and audit["reason"] == "INVALID_STATE"


async def test_a3_state_is_single_use_when_callback_replayed(api, redis):
    name = f"a3-{uuid.uuid4().hex[:8]}"
    callback = await dev_callback_path(api.client, name)
    cookie = api.client.cookies["s_login"]
    first = await api.client.get(callback)
    assert "#/home" in first.headers["location"]
    replay = await api.client.get(callback, headers={"Cookie": f"s_login={cookie}"})
    assert_failed(replay, "INVALID_STATE")
    [user] = await user_ids_of_subject(api, "dev", f"dev-{name}")
    assert len(await live_sessions(redis, user)) == 1


async def test_a3_state_is_single_use_when_two_callbacks_race(api, redis):
    name = f"a3-race-{uuid.uuid4().hex[:8]}"
    callback = await dev_callback_path(api.client, name)
    cookie = api.client.cookies["s_login"]

    async def hit() -> httpx.Response:
        async with client_for(api.app) as browser:
            return await browser.get(callback, headers={"Cookie": f"s_login={cookie}"})

    answers = await asyncio.gather(hit(), hit(), hit(), hit())

    wins = [a for a in answers if "#/home" in a.headers["location"]]
    assert len(wins) == 1, [a.headers["location"] for a in answers]
    for answer in answers:
        if answer is not wins[0]:
            assert_failed(answer, "INVALID_STATE")
    [user] = await user_ids_of_subject(api, "dev", f"dev-{name}")
    assert len(await live_sessions(redis, user)) == 1


async def test_a4_state_lives_ten_minutes_by_default_when_stored(api, redis):
    assert api.settings.state_ttl_seconds == 600
    body = (await api.client.get(f"{API}/dev/authorize")).json()
    ttl = await redis.ttl(f"auth:state:{body['state']}")
    assert 590 <= ttl <= 600


async def test_a4_state_fails_when_it_has_expired_in_redis(api, redis):
    callback = await dev_callback_path(api.client, "a4-expired")
    state = query_of(callback)["state"]
    await redis.pexpire(f"auth:state:{state}", 1)
    await asyncio.sleep(0.05)
    assert_failed(await api.client.get(callback), "INVALID_STATE")


async def test_a4_state_fails_when_its_recorded_expiry_has_passed(api, redis):
    callback = await dev_callback_path(api.client, "a4-stale")
    key = f"auth:state:{query_of(callback)['state']}"
    stored = json.loads(await redis.get(key))
    stored["expires_at"] = "2000-01-01T00:00:00+00:00"
    await redis.set(key, json.dumps(stored), keepttl=True)
    assert_failed(await api.client.get(callback), "INVALID_STATE")


@pytest.mark.parametrize(
    ("issued", "used"), [("dev", "kakao"), ("kakao", "dev"), ("naver", "google")]
)
async def test_a5_state_fails_when_issued_for_one_provider_and_used_on_another(
    providers_api, issued, used
):
    api = providers_api
    started = await start_login(api.client, issued)
    assert started.status_code == 302
    state = query_of(started.headers["location"])["state"]
    response = await api.client.get(f"{API}/{used}/callback", params={"state": state, "code": "c"})
    assert_failed(response, "INVALID_STATE")
    assert "s_access" not in api.client.cookies


@pytest.mark.parametrize("provider", ["kakao", "google", "naver"])
async def test_a6_pkce_s256_is_used_and_verifier_stays_on_server_when_provider_supports_it(
    providers_api, fake_provider, provider
):
    api = providers_api
    started = await start_login(api.client, provider)
    sent = query_of(started.headers["location"])
    callback = await api.client.get(await at_provider(started.headers["location"]))
    assert "#/home" in callback.headers["location"], callback.headers["location"]
    [token_request] = fake_provider.requests(provider, "token")
    if provider == "naver":
        assert "code_challenge" not in sent and "code_verifier" not in token_request.form
        return
    assert sent["code_challenge_method"] == "S256"
    verifier = token_request.form["code_verifier"]
    assert 43 <= len(verifier) <= 128 and set(verifier) <= URL_SAFE | set(".~")
    assert s256(verifier) == sent["code_challenge"] != verifier
    browser_saw = [started.text, callback.text, *started.headers.values()]
    browser_saw += [*callback.headers.values(), json.dumps(dict(api.client.cookies))]
    assert not any(verifier in seen for seen in browser_saw)


async def test_a6_dev_provider_uses_pkce_s256_when_login_starts(api):
    sent = query_of((await start_login(api.client)).headers["location"])
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43


@pytest.mark.parametrize("configured", [None, "https://auth.eco2.test/oauth/kakao/return"])
async def test_a7_redirect_uri_is_server_configured_when_request_names_another(
    app_factory, fake_provider, configured
):
    overrides = provider_settings(fake_provider)
    if configured:
        overrides["kakao_redirect_uri"] = configured
    expected = configured or "http://testserver/api/v1/auth/kakao/callback"
    async with app_factory(**overrides) as api:
        for path in ("/kakao/authorize", "/kakao/login", "/kakao"):
            response = await api.client.get(
                f"{API}{path}",
                params={"redirect_uri": "https://evil.example/cb", "redirectUri": "https://e.v"},
            )
            data = response.json().get("data", response.json())
            assert query_of(data["authorization_url"])["redirect_uri"] == expected
        if configured is None:
            callback = await provider_login(api.client, "kakao")
            assert "#/home" in callback.headers["location"]
            [token_request] = fake_provider.requests("kakao", "token")
            assert token_request.form["redirect_uri"] == expected


@pytest.mark.parametrize(
    "candidate",
    [
        "https://evil.example",
        "http://admin.eco2.test",
        "https://admin.eco2.test:8443",
        "//evil.example",
        "//admin.eco2.test",
        "https://admin.eco2.test.evil.com",
        "https://admin.eco2.test/",
        "https://admin.eco2.test/#/x",
        "https://admin.eco2.test@evil.com",
        "https://evil.com\\@admin.eco2.test",
        "HTTPS://ADMIN.ECO2.TEST",
        "https://admin.eco2.test.",
        "https://xn--dmin-bua.eco2.test",
        "javascript:alert(1)",
        "null",
        "",
    ],
)
async def test_a8_redirect_falls_back_to_default_when_origin_is_not_exactly_allowed(api, candidate):
    logged = await dev_login(api.client, frontend_origin=candidate)
    assert logged.location == f"{DEFAULT}/#/home"


async def test_a8_redirect_goes_to_allowed_origin_when_it_matches_exactly(api):
    logged = await dev_login(api.client, frontend_origin="https://admin.eco2.test")
    assert logged.location == "https://admin.eco2.test/#/home"


async def test_a8_failure_redirect_falls_back_to_default_when_origin_is_foreign(api):
    started = await start_login(api.client, frontend_origin="https://evil.example")
    state = query_of(started.headers["location"])["state"]
    failed = await api.client.get(
        f"{API}/dev/callback", params={"state": state, "error": "access_denied"}
    )
    assert_failed(failed)


async def test_a10_new_provider_with_known_email_gets_its_own_account_when_logging_in(
    providers_api, fake_provider
):
    api = providers_api
    email = f"shared-{uuid.uuid4().hex[:6]}@example.com"
    fake_provider.sign_in_as("kakao", FakeUser(subject="700001", email=email))
    fake_provider.sign_in_as("google", FakeUser(subject="g-700001", email=email))
    fake_provider.sign_in_as("naver", FakeUser(subject="700001", email=email))
    users = []
    for provider in ("kakao", "google", "naver"):
        async with client_for(api.app) as browser:
            done = await provider_login(browser, provider)
            assert "#/home" in done.headers["location"]
            users.append(token_payload(browser.cookies["s_access"])["sub"])
            me = (await browser.get(f"{API}/me")).json()
            assert me["providers"] == [provider]
    assert len(set(users)) == 3


def _failure_cases() -> dict[str, tuple[str, str, str | None]]:
    return {
        "access_denied": ("authorize", "access_denied", None),
        "token-5xx": ("token", "server_error", "OAUTH_PROVIDER_ERROR"),
        "token-invalid-grant": ("token", "invalid_grant", "OAUTH_PROVIDER_ERROR"),
        "profile-5xx": ("profile", "server_error", "OAUTH_PROVIDER_ERROR"),
        "profile-malformed": ("profile", "malformed", "OAUTH_PROVIDER_ERROR"),
        "token-timeout": ("token", "stall", "OAUTH_PROVIDER_ERROR"),
    }


@pytest.mark.parametrize("case", sorted(_failure_cases()))
async def test_a12_provider_failure_ends_at_failure_redirect_with_audit_when_provider_breaks(
    app_factory, fake_provider, case
):
    endpoint, failure, code = _failure_cases()[case]
    async with app_factory(oauth_timeout_seconds=0.5, **provider_settings(fake_provider)) as api:
        fake_provider.fail(endpoint, failure, provider="kakao")
        ip = unique_ip()
        async with client_for(api.app, ip=ip) as browser:
            started = time.monotonic()
            response = await provider_login(
                browser, "kakao", frontend_origin="https://admin.eco2.test"
            )
            assert time.monotonic() - started < 4
            assert_failed(response, code, origin="https://admin.eco2.test")
            assert "s_access" not in browser.cookies
        [audit] = await audit_rows(api, ip=ip)
        assert audit["event"] == "login_failure" and audit["reason"]
        assert audit["user_id"] is None


async def test_a12_bad_code_ends_at_failure_redirect_when_provider_refuses_it(providers_api):
    api = providers_api
    ip = unique_ip()
    async with client_for(api.app, ip=ip) as browser:
        started = await start_login(browser, "kakao")
        back = await at_provider(started.headers["location"])
        forged = f"{API}/kakao/callback?" + urlencode(
            {"code": "attacker-code", "state": query_of(back)["state"]}
        )
        assert_failed(await browser.get(forged), "OAUTH_PROVIDER_ERROR")
    assert [a["event"] for a in await audit_rows(api, ip=ip)] == ["login_failure"]


@pytest.mark.parametrize(
    "path",
    [
        "/KAKAO/authorize",
        "/Kakao/authorize",
        "/Dev/authorize",
        "/%2e%2e/authorize",
        "/..%2Fkakao/authorize",
        "/dev%2F..%2Fkakao/authorize",
        "/dev%00/authorize",
        "/dev%20/authorize",
        "/%EF%BD%84%EF%BD%85%EF%BD%96/authorize",
        "/KAKAO/callback?code=c&state=s",
        "/DEV/callback?code=c&state=s",
        "/dev%2Fcallback?code=c&state=s",
        "/KAKAO",
    ],
)
async def test_a5_provider_path_tricks_never_start_or_complete_a_login_when_name_is_mangled(
    providers_api, path
):
    response = await providers_api.client.get(f"{API}{path}")
    assert response.status_code < 500
    if response.status_code == 302:
        assert "/#/login?error=" in response.headers["location"], response.headers["location"]
    else:
        assert response.status_code in (400, 404, 405, 422), (response.status_code, response.text)
    assert not sets_tokens(response)
    assert "s_login" not in set_cookies(response) or "Max-Age=0" in set_cookies(response)["s_login"]


@pytest.mark.parametrize(
    "state",
    ["\x00", "%00", "x" * 10_240, "😀" * 8, "ß", "a\r\nSet-Cookie: s_access=evil", "../../", " ",
     "<script>alert(1)</script>", "s" * 257, "VALID+suffix"],
    ids=["nul", "pct00", "10KiB", "emoji", "eszett", "crlf", "dotdot", "space", "script",
         "257-chars", "valid-plus-suffix"],
)  # fmt: skip
async def test_a1_state_that_is_not_url_safe_ends_at_failure_redirect_when_callback_receives_it(
    api, state
):
    started = await start_login(api.client)
    real = query_of(started.headers["location"])["state"]
    value = state.replace("VALID", real)
    response = await api.client.get(f"{API}/dev/callback", params={"state": value, "code": "c"})
    assert response.status_code == 302, (response.status_code, response.text[:200])
    assert_failed(response, "INVALID_STATE")
    assert "evil" not in response.headers.get("set-cookie", "")
