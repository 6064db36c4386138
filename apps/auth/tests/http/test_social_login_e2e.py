from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio

from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.security.attack import provider_settings
from apps.auth.tests.support import API, TestApp, audit_events, path_of, token_payload

PROVIDERS = ("kakao", "google", "naver")


@pytest_asyncio.fixture
async def social_api(app_factory: Callable[..., Any], fake_provider) -> AsyncIterator[TestApp]:
    overrides = provider_settings(fake_provider)
    async with app_factory(**overrides) as test_app:
        yield test_app


async def _browser_login(api: TestApp, provider: str) -> httpx.Response:
    started = await api.client.get(f"{API}/{provider}/authorize", params={"redirect": "true"})
    assert started.status_code == 302, started.text
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(started.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    return await api.client.get(path_of(at_provider.headers["location"]))


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_login_succeeds_end_to_end_when_provider_answers(social_api, fake_provider, provider):
    subject = uuid.uuid4().hex[:12]
    fake_provider.sign_in_as(provider, FakeUser(subject=subject, nickname=f"{provider}-user"))
    callback = await _browser_login(social_api, provider)
    assert callback.status_code == 302
    assert callback.headers["location"] == "https://app.eco2.test/#/home"
    claims = token_payload(callback.cookies["s_access"])
    assert claims["provider"] == provider
    me = await social_api.client.get(f"{API}/me")
    assert me.status_code == 200 and me.json()["providers"] == [provider]
    assert me.json()["nickname"] == f"{provider}-user"
    token_calls = fake_provider.requests(provider=provider, endpoint="token")
    assert len(token_calls) == 1
    form = token_calls[0].form
    if provider == "naver":
        assert form["state"] and "code_verifier" not in form
    else:
        assert form["redirect_uri"] == f"http://testserver/api/v1/auth/{provider}/callback"
        assert len(form["code_verifier"]) >= 43
    assert "login_success" in await audit_events(social_api, claims["sub"])


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_failure_redirect_without_tokens_when_provider_token_call_fails(
    social_api, fake_provider, provider
):
    fake_provider.fail("token", "server_error", provider=provider)
    callback = await _browser_login(social_api, provider)
    assert callback.status_code == 302
    assert (
        callback.headers["location"] == "https://app.eco2.test/#/login?error=OAUTH_PROVIDER_ERROR"
    )
    assert "s_access" not in callback.cookies and "s_refresh" not in callback.cookies


async def test_access_denied_ends_at_failure_page_when_user_cancels(social_api, fake_provider):
    fake_provider.fail("authorize", "access_denied", provider="kakao")
    callback = await _browser_login(social_api, "kakao")
    assert callback.headers["location"].endswith("#/login?error=OAUTH_ACCESS_DENIED")
    assert "s_access" not in callback.cookies


async def test_same_email_on_new_provider_creates_separate_account(social_api, fake_provider):
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    fake_provider.sign_in_as("kakao", FakeUser(subject=uuid.uuid4().hex[:10], email=email))
    kakao = await _browser_login(social_api, "kakao")
    social_api.client.cookies.clear()
    fake_provider.sign_in_as("google", FakeUser(subject=uuid.uuid4().hex[:10], email=email))
    google = await _browser_login(social_api, "google")
    assert (
        token_payload(kakao.cookies["s_access"])["sub"]
        != token_payload(google.cookies["s_access"])["sub"]
    )
