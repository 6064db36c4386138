from __future__ import annotations

import pytest

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.provider_formats import FakeUser
from apps.auth.tests.integration.oauth.support import follow_authorization, redirect_uri_for

REDIRECT = redirect_uri_for("google")


async def test_authorize_request_carries_openid_scope_and_pkce_when_browser_follows_url(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    google = make_provider("google")
    url = await google.authorization_url(
        state="st-g", redirect_uri=REDIRECT, code_challenge=pkce.challenge, login_hint=None
    )

    callback = await follow_authorization(url)

    [authorize] = fake_provider.requests("google", "authorize")
    assert authorize.path == "/o/oauth2/v2/auth"
    assert authorize.query == {
        "response_type": "code",
        "client_id": fake_provider.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid email profile",
        "state": "st-g",
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    assert callback["state"] == "st-g"


async def test_login_yields_google_profile_when_code_and_verifier_are_exchanged(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    google = make_provider("google")
    fake_provider.sign_in_as("google", FakeUser(subject="109876543210", nickname="Eco Kim"))
    url = await google.authorization_url(
        state="st", redirect_uri=REDIRECT, code_challenge=pkce.challenge, login_hint="a@b.c"
    )
    code = (await follow_authorization(url))["code"]

    token = await google.exchange_code(
        code=code, redirect_uri=REDIRECT, code_verifier=pkce.verifier, state="st"
    )
    profile = await google.fetch_profile(token)

    assert profile.identity == ProviderIdentity(provider="google", subject="109876543210")
    assert (profile.email, profile.nickname) == ("eco@example.com", "Eco Kim")
    assert profile.profile_image_url == "https://img.example.com/eco.png"
    [token_request] = fake_provider.requests("google", "token")
    assert token_request.path == "/token"
    assert token_request.form["code_verifier"] == pkce.verifier
    assert token_request.form["redirect_uri"] == REDIRECT
    assert token_request.form["grant_type"] == "authorization_code"
    [profile_request] = fake_provider.requests("google", "profile")
    assert (profile_request.method, profile_request.path) == ("GET", "/v1/userinfo")
    assert profile_request.headers["authorization"] == f"Bearer {token}"


async def test_email_is_dropped_when_google_email_is_not_verified(
    fake_provider: FakeProvider, make_provider
) -> None:
    google = make_provider("google")
    code = fake_provider.issue_code("google", FakeUser(email_verified=False))

    token = await google.exchange_code(
        code=code, redirect_uri=REDIRECT, code_verifier=None, state="s"
    )
    profile = await google.fetch_profile(token)

    assert profile.email is None
    assert profile.nickname == "에코"


async def test_exchange_fails_when_redirect_uri_differs_from_authorize(
    fake_provider: FakeProvider, make_provider, pkce
) -> None:
    google = make_provider("google")
    code = fake_provider.issue_code("google", code_challenge=pkce.challenge, redirect_uri=REDIRECT)

    with pytest.raises(OAuthProviderError):
        await google.exchange_code(
            code=code,
            redirect_uri="https://evil.example/callback",
            code_verifier=pkce.verifier,
            state="s",
        )
