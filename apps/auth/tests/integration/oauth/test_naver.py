from __future__ import annotations

import pytest

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.integration.oauth.support import follow_authorization, redirect_uri_for

REDIRECT = redirect_uri_for("naver")


async def test_authorize_request_has_no_pkce_or_scope_when_naver_is_used(
    fake_provider: FakeProvider, make_provider
) -> None:
    naver = make_provider("naver")
    assert naver.supports_pkce is False
    url = await naver.authorization_url(
        state="st-n", redirect_uri=REDIRECT, code_challenge="ignored", login_hint="ignored"
    )

    callback = await follow_authorization(url)

    [authorize] = fake_provider.requests("naver", "authorize")
    assert authorize.path == "/oauth2.0/authorize"
    assert authorize.query == {
        "response_type": "code",
        "client_id": fake_provider.client_id,
        "redirect_uri": REDIRECT,
        "state": "st-n",
    }
    assert callback["state"] == "st-n"


async def test_login_yields_naver_profile_when_code_and_state_are_exchanged(
    fake_provider: FakeProvider, make_provider
) -> None:
    naver = make_provider("naver")
    fake_provider.sign_in_as("naver", FakeUser(subject="nv-Abc_123", nickname="네이버친구"))
    url = await naver.authorization_url(
        state="st-n", redirect_uri=REDIRECT, code_challenge=None, login_hint=None
    )
    code = (await follow_authorization(url))["code"]

    token = await naver.exchange_code(
        code=code, redirect_uri=REDIRECT, code_verifier=None, state="st-n"
    )
    profile = await naver.fetch_profile(token)

    assert profile.identity == ProviderIdentity(provider="naver", subject="nv-Abc_123")
    assert (profile.nickname, profile.email) == ("네이버친구", "eco@example.com")
    assert profile.profile_image_url == "https://img.example.com/eco.png"
    [token_request] = fake_provider.requests("naver", "token")
    assert (token_request.method, token_request.path) == ("POST", "/oauth2.0/token")
    assert token_request.form == {
        "grant_type": "authorization_code",
        "code": code,
        "state": "st-n",
        "client_id": fake_provider.client_id,
        "client_secret": fake_provider.client_secret,
    }
    [profile_request] = fake_provider.requests("naver", "profile")
    assert profile_request.path == "/v1/nid/me"
    assert profile_request.headers["authorization"] == f"Bearer {token}"


async def test_exchange_fails_when_state_differs_from_authorize(
    fake_provider: FakeProvider, make_provider
) -> None:
    naver = make_provider("naver")
    code = fake_provider.issue_code("naver", state="right")

    with pytest.raises(OAuthProviderError) as caught:
        await naver.exchange_code(code=code, redirect_uri=REDIRECT, code_verifier=None, state="x")

    assert "invalid_grant" in caught.value.detail


async def test_profile_fails_when_naver_answers_a_failure_result_code(
    fake_provider: FakeProvider, make_provider
) -> None:
    naver = make_provider("naver")
    code = fake_provider.issue_code(
        "naver", profile={"resultcode": "028", "message": "Authentication header not exists"}
    )
    token = await naver.exchange_code(
        code=code, redirect_uri=REDIRECT, code_verifier=None, state="s"
    )

    with pytest.raises(OAuthProviderError):
        await naver.fetch_profile(token)
