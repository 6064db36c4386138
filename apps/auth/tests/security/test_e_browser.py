from __future__ import annotations

import logging

import pytest

from apps.auth.tests.security.attack import (
    KID,
    at_provider,
    client_for,
    new_ec_key,
    private_pem,
    provider_settings,
    set_cookies,
)
from apps.auth.tests.support import API, bearer, dev_login, path_of, refresh_header, start_login


def attributes(header: str) -> dict[str, str]:
    parts = [p.strip() for p in header.split(";")]
    return {p.split("=", 1)[0].lower(): [*p.split("=", 1), ""][1] for p in parts[1:]}


def assert_cookie(header: str, path: str, secure: bool) -> None:
    attrs = attributes(header)
    assert "httponly" in attrs, header
    assert attrs.get("samesite", "").lower() == "lax", header
    assert attrs.get("path") == path, header
    assert ("secure" in attrs) is secure, header


async def _https_login(api):
    async with client_for(api.app, base_url="https://testserver") as browser:
        started = await start_login(browser, login_hint="e1-https")
        at_idp = await browser.get(path_of(started.headers["location"]))
        callback = await browser.get(path_of(at_idp.headers["location"]))
        assert "#/home" in callback.headers["location"], callback.headers["location"]
        refreshed = await browser.post(f"{API}/refresh")
        out = await browser.post(f"{API}/logout")
    return started, callback, refreshed, out


async def test_e1_cookies_are_httponly_secure_lax_when_served_over_https(app_factory):
    async with app_factory(public_base_url="https://auth.eco2.test") as api:
        started, callback, refreshed, out = await _https_login(api)
    assert_cookie(set_cookies(started)["s_login"], "/api/v1/auth", secure=True)
    for response in (callback, refreshed, out):
        cookies = set_cookies(response)
        assert_cookie(cookies["s_access"], "/", secure=True)
        assert_cookie(cookies["s_refresh"], "/api/v1/auth", secure=True)
    assert refreshed.status_code == 201 and out.status_code == 200


async def test_e1_cookies_stay_secure_when_deployed_outside_local_even_on_http_base_url(
    app_factory, fake_provider
):
    key = private_pem(new_ec_key())
    deployed = provider_settings(fake_provider) | {
        "environment": "dev",
        "enabled_providers": "kakao",
        "cookie_domain": "eco2.test",
        "jwt_private_key": key,
        "jwt_key_id": KID,
    }
    async with (
        app_factory(jwt_private_key=key, jwt_key_id=KID) as local,
        app_factory(**deployed) as remote,
    ):
        assert remote.settings.public_base_url.startswith("http://")
        logged = await dev_login(local.client)
        async with client_for(remote.app) as client:
            refreshed = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
            authorize = await client.get(f"{API}/kakao/authorize")
        assert refreshed.status_code == 201, refreshed.text
        cookies = set_cookies(refreshed)
        assert_cookie(cookies["s_access"], "/", secure=True)
        assert_cookie(cookies["s_refresh"], "/api/v1/auth", secure=True)
        assert_cookie(set_cookies(authorize)["s_login"], "/api/v1/auth", secure=True)
        assert attributes(cookies["s_access"])["domain"].lstrip(".") == "eco2.test"


async def test_e1_cookies_are_httponly_lax_without_secure_only_when_local_plain_http(api):
    started = await start_login(api.client, login_hint="e1-user")
    at_idp = await api.client.get(path_of(started.headers["location"]))
    callback = await api.client.get(path_of(at_idp.headers["location"]))
    cookies = set_cookies(callback)
    assert_cookie(cookies["s_access"], "/", secure=False)
    assert_cookie(cookies["s_refresh"], "/api/v1/auth", secure=False)


async def test_e2_refresh_cookie_travels_only_to_auth_endpoints_when_browser_sends_cookies(api):
    await dev_login(api.client)
    sent = {
        path: api.client.build_request("GET", path).headers.get("cookie", "")
        for path in ("/health", "/api/v1/other", "/api/v1/authx/refresh", f"{API}/refresh")
    }
    assert "s_access=" in sent["/health"]
    assert "s_refresh=" not in sent["/health"]
    assert "s_refresh=" not in sent["/api/v1/other"]
    assert "s_refresh=" not in sent["/api/v1/authx/refresh"]
    assert "s_refresh=" in sent[f"{API}/refresh"]


async def test_e2_cookie_lifetimes_match_token_lifetimes_when_set(api):
    started = await start_login(api.client, login_hint="e1-user")
    at_idp = await api.client.get(path_of(started.headers["location"]))
    cookies = set_cookies(await api.client.get(path_of(at_idp.headers["location"])))
    assert int(attributes(cookies["s_access"])["max-age"]) == api.settings.access_token_ttl_seconds
    assert int(attributes(cookies["s_refresh"])["max-age"]) == (
        api.settings.refresh_token_ttl_seconds
    )


CROSS_SITE = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "https://app.eco2.test.evil.com"},
    {"Origin": "http://app.eco2.test"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "Cross-Site"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
]


@pytest.mark.parametrize(
    "attack", CROSS_SITE, ids=lambda h: ",".join(f"{k}={v}" for k, v in h.items())
)
async def test_e3_state_changing_endpoints_refuse_cross_site_requests_when_origin_is_foreign(
    api, attack
):
    logged = await dev_login(api.client)
    sid = (await api.client.get(f"{API}/sessions")).json()["sessions"][0]["id"]
    for method, path in (
        ("POST", "/refresh"),
        ("POST", "/logout"),
        ("POST", "/logout-all"),
        ("DELETE", "/me"),
        ("DELETE", f"/sessions/{sid}"),
    ):
        response = await api.client.request(method, f"{API}{path}", headers=attack)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["code"] == "CROSS_SITE_REQUEST"
        assert "s_access" not in set_cookies(response)
    assert (await api.client.get(f"{API}/verify", headers=bearer(logged.access))).status_code == 200
    assert (await api.client.get(f"{API}/me")).status_code == 200


@pytest.mark.parametrize("path", ["/refresh", "/logout", "/logout-all"])
async def test_e3_state_changing_endpoints_do_nothing_when_called_with_get(api, path):
    logged = await dev_login(api.client)
    response = await api.client.get(f"{API}{path}")
    assert response.status_code in (404, 405)
    assert "s_access" not in set_cookies(response)
    assert (await api.client.get(f"{API}/verify", headers=bearer(logged.access))).status_code == 200
    override = await api.client.post(f"{API}/me", headers={"X-HTTP-Method-Override": "DELETE"})
    assert override.status_code == 405
    assert (await api.client.get(f"{API}/me")).status_code == 200


async def test_e3_allowed_frontend_and_same_origin_are_accepted_as_a_control(api):
    await dev_login(api.client)
    allowed = await api.client.post(
        f"{API}/refresh",
        headers={"Origin": "https://app.eco2.test", "Sec-Fetch-Site": "cross-site"},
    )
    same = await api.client.post(
        f"{API}/refresh", headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    )
    assert allowed.status_code == same.status_code == 201


async def test_e4_no_token_reaches_a_url_location_log_line_or_metric_when_full_flow_runs(
    app_factory, fake_provider, caplog
):
    caplog.set_level(logging.DEBUG)
    async with app_factory(**provider_settings(fake_provider)) as api:
        started = await api.client.get(f"{API}/kakao/authorize", params={"redirect": "true"})
        callback = await api.client.get(await at_provider(started.headers["location"]))
        tokens = [api.client.cookies["s_access"], api.client.cookies["s_refresh"]]
        refreshed = await api.client.post(f"{API}/refresh")
        tokens += [refreshed.cookies["s_access"], refreshed.cookies["s_refresh"]]
        verified = await api.client.get(f"{API}/verify")
        await api.client.get(f"{API}/me")
        await api.client.get(f"{API}/verify", headers=bearer(tokens[0]))
        out = await api.client.post(f"{API}/logout")
        metrics = (await api.client.get("/metrics")).text
    [profile_call] = fake_provider.requests("kakao", "profile")
    provider_token = profile_call.headers["authorization"].split()[1]
    [token_call] = fake_provider.requests("kakao", "token")
    code, verifier = token_call.form["code"], token_call.form["code_verifier"]
    assert verified.status_code == 200 and out.status_code == 200
    locations = [r.headers.get("location", "") for r in (started, callback, refreshed, out)]
    locations.append(started.headers["location"])
    service_logs = [
        f"{r.getMessage()} {r.__dict__}"
        for r in caplog.records
        if not (r.name.startswith("httpx") and "testserver" in r.getMessage())
        and "/callback?code=" not in r.getMessage()
    ]
    assert any(r.name == "auth.access" for r in caplog.records)
    for secret in [*tokens, provider_token, verifier]:
        assert [loc for loc in locations if secret in loc] == [], secret[:20]
        leaked = [line for line in service_logs if secret in line]
        assert leaked == [], (secret[:20], leaked[:1])
        assert secret not in metrics
    leaked_code = [line for line in service_logs if code in line and "/oauth/authorize" not in line]
    assert leaked_code == []


ORIGINS = [
    "https://evil.example",
    "null",
    "https://app.eco2.test.evil.com",
    "http://app.eco2.test",
    "https://app.eco2.test:444",
    "HTTPS://APP.ECO2.TEST",
]


@pytest.mark.parametrize("origin", ORIGINS)
async def test_e6_cors_never_allows_credentials_for_a_foreign_origin_when_one_asks(api, origin):
    preflight = await api.client.options(
        f"{API}/refresh",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Refresh-Token",
        },
    )
    simple = await api.client.get(f"{API}/me", headers={"Origin": origin})
    assert preflight.status_code == 400
    for response in (preflight, simple):
        assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", ["https://app.eco2.test", "https://admin.eco2.test"])
async def test_e6_cors_allows_credentials_for_exact_allow_listed_origin(api, origin):
    preflight = await api.client.options(
        f"{API}/refresh",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    simple = await api.client.get(f"{API}/health", headers={"Origin": origin})
    for response in (preflight, simple):
        assert response.headers["access-control-allow-origin"] == origin
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "*" not in response.headers["access-control-allow-origin"]
