from __future__ import annotations

import html
import re
import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from apps.auth.application.oauth.pkce import s256_challenge
from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderIdentity
from apps.auth.infrastructure.oauth.dev import DevOAuthProvider
from apps.auth.infrastructure.oauth.dev_idp import DEV_CLIENT_ID, build_dev_idp_app
from apps.auth.tests.integration.oauth.support import query_of

PUBLIC = "http://127.0.0.1:8000"
CALLBACK = f"{PUBLIC}/api/v1/auth/dev/callback"
VERIFIER = secrets.token_urlsafe(48)


@pytest.fixture
def idp_app() -> Starlette:
    return build_dev_idp_app(clients={DEV_CLIENT_ID: CALLBACK})


@pytest.fixture
def dev(idp_app: Starlette) -> DevOAuthProvider:
    return DevOAuthProvider(public_base_url=PUBLIC, idp_app=idp_app, timeout=2.0)


@pytest.fixture
async def browser(idp_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    service = Starlette(routes=[Mount("/dev-idp", app=idp_app)])
    transport = httpx.ASGITransport(app=service)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as client:
        yield client


async def _url(dev: DevOAuthProvider, login_hint: str | None) -> str:
    return await dev.authorization_url(
        state="st", redirect_uri=CALLBACK, code_challenge=s256_challenge(VERIFIER),
        login_hint=login_hint,
    )  # fmt: skip


async def test_login_yields_stable_dev_profile_when_browser_signs_in_with_login_hint(
    dev: DevOAuthProvider, browser: httpx.AsyncClient
) -> None:
    url = await _url(dev, "alice")
    assert url.startswith(f"{PUBLIC}/dev-idp/authorize?")

    callback = query_of((await browser.get(url)).headers["location"])
    token = await dev.exchange_code(
        code=callback["code"], redirect_uri=CALLBACK, code_verifier=VERIFIER, state="st"
    )
    profile = await dev.fetch_profile(token)

    assert callback["state"] == "st"
    assert profile.identity == ProviderIdentity(provider="dev", subject="dev-alice")
    assert (profile.nickname, profile.email) == ("alice", "alice@dev-idp.test")


async def test_login_completes_when_sign_in_form_is_posted_through_the_mount(
    dev: DevOAuthProvider, browser: httpx.AsyncClient
) -> None:
    page = await browser.get(await _url(dev, None))
    assert page.status_code == 200
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text)
    }

    answer = await browser.post("/dev-idp/authorize", data={**hidden, "name": "bora"})
    code = query_of(answer.headers["location"])["code"]
    token = await dev.exchange_code(
        code=code, redirect_uri=CALLBACK, code_verifier=VERIFIER, state="st"
    )

    assert (await dev.fetch_profile(token)).identity.subject == "dev-bora"


async def test_exchange_raises_provider_error_when_verifier_does_not_match(
    dev: DevOAuthProvider, browser: httpx.AsyncClient
) -> None:
    code = query_of((await browser.get(await _url(dev, "alice"))).headers["location"])["code"]

    with pytest.raises(OAuthProviderError) as caught:
        await dev.exchange_code(
            code=code, redirect_uri=CALLBACK, code_verifier="x" * 50, state="st"
        )

    assert "invalid_grant" in caught.value.detail
    assert code not in str(caught.value)


async def test_fetch_profile_raises_provider_error_when_token_is_unknown(
    dev: DevOAuthProvider,
) -> None:
    with pytest.raises(OAuthProviderError):
        await dev.fetch_profile("unknown-token")
