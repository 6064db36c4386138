from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from apps.auth.domain.user import ProviderProfile


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginState:
    """What the server remembers between authorize and callback; never leaves the server.

    `browser_binding_hash` is None only for a login started by the auth Eco² runs today (v1),
    which binds no browser; `redirect_uri` is the callback the provider was given, when the
    record names one (v1's records may name any).
    """

    state: str
    provider: str
    browser_binding_hash: str | None
    code_verifier: str | None
    frontend_origin: str
    device_id: str | None
    expires_at: datetime
    redirect_uri: str | None = None


class OAuthProvider(Protocol):
    name: str
    supports_pkce: bool

    async def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str: ...

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, state: str
    ) -> str: ...

    async def fetch_profile(self, access_token: str) -> ProviderProfile: ...


class ProviderRegistry(Protocol):
    def get(self, name: str) -> OAuthProvider: ...

    def redirect_uri(self, name: str) -> str: ...


class StateStore(Protocol):
    async def save(self, state: LoginState, ttl_seconds: int) -> None: ...

    async def consume(self, state: str) -> LoginState | None: ...
