from __future__ import annotations

import pytest

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.integration.oauth.support import follow_authorization, redirect_uri_for

REDIRECT = redirect_uri_for("kakao")


async def test_authorize_request_carries_pkce_s256_and_scope_when_browser_follows_url(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    kakao = make_provider("kakao")
    url = await kakao.authorization_url(
        state="st-1", redirect_uri=REDIRECT, code_challenge=pkce.challenge, login_hint="eco@k.kr"
    )

    callback = await follow_authorization(url)

    [authorize] = fake_provider.requests("kakao", "authorize")
    assert authorize.path == "/oauth/authorize"
    assert authorize.query == {
        "response_type": "code",
        "client_id": fake_provider.client_id,
        "redirect_uri": REDIRECT,
        "state": "st-1",
        "scope": "profile_nickname,profile_image,account_email",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
        "login_hint": "eco@k.kr",
    }
    assert callback["state"] == "st-1" and callback["code"]


async def test_login_yields_kakao_profile_when_code_and_verifier_are_exchanged(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    kakao = make_provider("kakao")
    fake_provider.sign_in_as("kakao", FakeUser(subject="3141592", nickname="재활용왕"))
    url = await kakao.authorization_url(
        state="st-2", redirect_uri=REDIRECT, code_challenge=pkce.challenge, login_hint=None
    )
    code = (await follow_authorization(url))["code"]

    token = await kakao.exchange_code(
        code=code, redirect_uri=REDIRECT, code_verifier=pkce.verifier, state="st-2"
    )
    profile = await kakao.fetch_profile(token)

    assert profile.identity == ProviderIdentity(provider="kakao", subject="3141592")
    assert profile.nickname == "재활용왕"
    assert profile.email == "eco@example.com"
    assert profile.profile_image_url == "https://img.example.com/eco.png"
    [token_request] = fake_provider.requests("kakao", "token")
    assert token_request.method == "POST"
    assert token_request.form == {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": pkce.verifier,
        "client_id": fake_provider.client_id,
        "client_secret": fake_provider.client_secret,
    }
    [profile_request] = fake_provider.requests("kakao", "profile")
    assert profile_request.path == "/v2/user/me"
    assert profile_request.headers["authorization"] == f"Bearer {token}"


async def test_email_is_dropped_when_kakao_marks_it_unverified(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    kakao = make_provider("kakao")
    code = fake_provider.issue_code("kakao", FakeUser(email_verified=False))

    token = await kakao.exchange_code(
        code=code, redirect_uri=REDIRECT, code_verifier=None, state="s"
    )
    profile = await kakao.fetch_profile(token)

    assert profile.email is None
    assert profile.identity.subject == "4242"


async def test_exchange_fails_when_code_verifier_does_not_match_challenge(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    kakao = make_provider("kakao")
    code = fake_provider.issue_code("kakao", code_challenge=pkce.challenge, redirect_uri=REDIRECT)

    with pytest.raises(OAuthProviderError) as caught:
        await kakao.exchange_code(
            code=code, redirect_uri=REDIRECT, code_verifier="x" * 64, state="s"
        )

    assert caught.value.code == "OAUTH_PROVIDER_ERROR"
    assert "invalid_grant" in caught.value.detail
