from __future__ import annotations

import pytest

from apps.auth.tests.support import API, bearer, dev_login, start_login, token_payload


async def test_dev_login_sets_cookies_and_me_answers_when_flow_completes(api):
    logged = await dev_login(api.client, "alice")
    claims = token_payload(logged.access)
    assert claims["type"] == "access" and claims["provider"] == "dev"
    me = await api.client.get(f"{API}/me")
    assert me.status_code == 200
    assert me.json()["nickname"] == "alice"
    assert me.json()["providers"] == ["dev"]


async def test_same_user_when_logging_in_twice_with_same_name(api):
    first = await dev_login(api.client, "bob-twice")
    api.client.cookies.clear()
    second = await dev_login(api.client, "bob-twice")
    assert token_payload(first.access)["sub"] == token_payload(second.access)["sub"]


async def test_authorize_returns_json_without_redirect(api):
    response = await api.client.get(f"{API}/dev/authorize")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"authorization_url", "state", "expires_at"}
    assert len(body["state"]) >= 22
    cookie = response.headers["set-cookie"]
    assert "s_login=" in cookie and "HttpOnly" in cookie and "Path=/api/v1/auth" in cookie


@pytest.mark.parametrize("path", ["/dev", "/dev/login"])
async def test_legacy_aliases_wrap_data_when_frontend_calls_old_paths(api, path):
    response = await api.client.get(f"{API}{path}")
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert "authorization_url" in body["data"]


async def test_unknown_provider_gives_404_code_when_not_enabled(api):
    response = await api.client.get(f"{API}/facebook/authorize")
    assert response.status_code == 404
    assert response.json()["code"] == "UNSUPPORTED_PROVIDER"


async def test_bearer_header_works_without_cookies(api):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    response = await api.client.get(f"{API}/me", headers=bearer(logged.access))
    assert response.status_code == 200


async def test_redirect_param_answers_302_to_provider(api):
    response = await start_login(api.client)
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://testserver/dev-idp/authorize?")
