from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.auth.application.common.ports import Clock, IdGenerator
from apps.auth.application.oauth.pkce import binding_hash, s256_challenge
from apps.auth.application.oauth.ports import LoginState, ProviderRegistry, StateStore
from apps.auth.domain.origin import OriginPolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class StartLoginRequest:
    provider: str
    frontend_origin: str | None = None
    device_id: str | None = None
    login_hint: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StartLoginResult:
    authorization_url: str
    state: str
    expires_at: datetime
    browser_binding: str


class StartLoginInteractor:
    """Starts a login: the server alone chooses `state`, the PKCE verifier and the redirect URI.

    The state is stored with a TTL and bound to the browser through a secret that only the
    HttpOnly cookie carries; the frontend origin is resolved against the allow-list now.
    """

    def __init__(
        self,
        *,
        providers: ProviderRegistry,
        states: StateStore,
        origins: OriginPolicy,
        clock: Clock,
        ids: IdGenerator,
        state_ttl_seconds: int,
    ) -> None:
        self._providers = providers
        self._states = states
        self._origins = origins
        self._clock = clock
        self._ids = ids
        self._ttl = state_ttl_seconds

    async def execute(self, request: StartLoginRequest) -> StartLoginResult:
        provider = self._providers.get(request.provider)
        state = self._ids.new_secret()
        binding = self._ids.new_secret()
        verifier = (
            self._ids.new_secret() + self._ids.new_secret() if provider.supports_pkce else None
        )
        expires_at = self._clock.now() + timedelta(seconds=self._ttl)
        redirect_uri = self._providers.redirect_uri(provider.name)
        await self._states.save(
            LoginState(
                state=state,
                provider=provider.name,
                browser_binding_hash=binding_hash(binding),
                code_verifier=verifier,
                frontend_origin=self._origins.resolve(request.frontend_origin),
                device_id=request.device_id,
                expires_at=expires_at,
                redirect_uri=redirect_uri,
            ),
            self._ttl,
        )
        url = await provider.authorization_url(
            state=state,
            redirect_uri=redirect_uri,
            code_challenge=s256_challenge(verifier) if verifier else None,
            login_hint=request.login_hint,
        )
        return StartLoginResult(
            authorization_url=url, state=state, expires_at=expires_at, browser_binding=binding
        )
