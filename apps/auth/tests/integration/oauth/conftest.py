from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from apps.auth.application.oauth.pkce import s256_challenge
from apps.auth.application.oauth.ports import OAuthProvider
from apps.auth.infrastructure.oauth.google import GoogleOAuthProvider
from apps.auth.infrastructure.oauth.kakao import KakaoOAuthProvider
from apps.auth.infrastructure.oauth.naver import NaverOAuthProvider
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.fakes.fixtures import fake_provider  # noqa: F401

_CLASSES = {"kakao": KakaoOAuthProvider, "google": GoogleOAuthProvider, "naver": NaverOAuthProvider}

MakeProvider = Callable[..., OAuthProvider]


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


@pytest.fixture
def pkce() -> Pkce:
    verifier = secrets.token_urlsafe(48)
    return Pkce(verifier=verifier, challenge=s256_challenge(verifier))


@pytest.fixture
def make_provider(fake_provider: FakeProvider) -> MakeProvider:  # noqa: F811
    def make(name: str, *, timeout: float = 3.0, base_url: str | None = None) -> OAuthProvider:
        return _CLASSES[name](
            client_id=fake_provider.client_id,
            client_secret=fake_provider.client_secret,
            timeout=timeout,
            base_url=base_url or fake_provider.base_url,
        )

    return make
