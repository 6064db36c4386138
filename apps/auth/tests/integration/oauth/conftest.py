from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import pytest_asyncio

from apps.auth.application.oauth.pkce import s256_challenge
from apps.auth.infrastructure.oauth.google import GoogleOAuthProvider
from apps.auth.infrastructure.oauth.kakao import KakaoOAuthProvider
from apps.auth.infrastructure.oauth.naver import NaverOAuthProvider
from apps.auth.infrastructure.oauth.provider_base import HttpxOAuthProvider
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.fixtures import fake_provider  # noqa: F401

_CLASSES = {"kakao": KakaoOAuthProvider, "google": GoogleOAuthProvider, "naver": NaverOAuthProvider}

MakeProvider = Callable[..., HttpxOAuthProvider]


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


@pytest.fixture
def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    return Pkce(verifier=verifier, challenge=s256_challenge(verifier))


@pytest_asyncio.fixture
async def make_provider(fake_provider: FakeProvider) -> AsyncIterator[MakeProvider]:  # noqa: F811
    made: list[HttpxOAuthProvider] = []

    def make(
        name: str,
        *,
        timeout: float = 3.0,
        base_url: str | None = None,
        client_secret: str | None = None,
    ) -> HttpxOAuthProvider:
        provider = _CLASSES[name](
            client_id=fake_provider.client_id,
            client_secret=client_secret or fake_provider.client_secret,
            timeout=timeout,
            base_url=base_url or fake_provider.base_url,
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()
