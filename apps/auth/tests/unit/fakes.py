from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apps.auth.domain.errors import OAuthProviderError, UnsupportedProvider
from apps.auth.domain.user import ProviderIdentity, ProviderProfile


class FrozenClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class SequentialIds:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_uuid(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._counter))

    def new_token_id(self) -> str:
        return f"id{next(self._counter):030d}"

    def new_secret(self) -> str:
        return f"secret-{next(self._counter):040d}"


@dataclass
class InMemoryProvider:
    """An OAuth provider that hands out profiles for codes it issued, in process."""

    name: str = "kakao"
    supports_pkce: bool = True
    profiles: dict[str, ProviderProfile] = field(default_factory=dict)
    exchanges: list[dict[str, str | None]] = field(default_factory=list)
    failing: bool = False

    async def authorization_url(self, *, state, redirect_uri, code_challenge, login_hint) -> str:
        return f"https://{self.name}.example/authorize?state={state}&challenge={code_challenge}"

    def issue(self, code: str, subject: str, email: str | None = None) -> None:
        self.profiles[code] = ProviderProfile(
            identity=ProviderIdentity(provider=self.name, subject=subject),
            email=email,
            nickname=subject,
        )

    async def exchange_code(self, *, code, redirect_uri, code_verifier, state) -> str:
        self.exchanges.append({"code": code, "verifier": code_verifier, "state": state})
        if self.failing or code not in self.profiles:
            raise OAuthProviderError()
        return f"token-{code}"

    async def fetch_profile(self, access_token: str) -> ProviderProfile:
        return self.profiles[access_token.removeprefix("token-")]


@dataclass
class InMemoryRegistry:
    providers: dict[str, InMemoryProvider]

    def get(self, name: str) -> InMemoryProvider:
        if name not in self.providers:
            raise UnsupportedProvider()
        return self.providers[name]

    def redirect_uri(self, name: str) -> str:
        return f"https://api.example/api/v1/auth/{name}/callback"
