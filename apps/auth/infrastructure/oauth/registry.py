from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from starlette.types import ASGIApp

from apps.auth.application.oauth.ports import OAuthProvider
from apps.auth.domain.errors import ConfigurationError, UnsupportedProvider
from apps.auth.infrastructure.oauth.dev import DevOAuthProvider
from apps.auth.infrastructure.oauth.google import GoogleOAuthProvider
from apps.auth.infrastructure.oauth.kakao import KakaoOAuthProvider
from apps.auth.infrastructure.oauth.naver import NaverOAuthProvider
from apps.auth.infrastructure.oauth.provider_base import HttpxOAuthProvider


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderConfig:
    client_id: str
    client_secret: str = field(repr=False)
    base_url: str | None = None


_RealProvider = Callable[..., HttpxOAuthProvider]
_REAL_PROVIDERS: dict[str, _RealProvider] = {
    cls.name: cls for cls in (KakaoOAuthProvider, GoogleOAuthProvider, NaverOAuthProvider)
}


class StaticProviderRegistry:
    """The providers enabled at start-up, looked up by their exact lower-case name."""

    def __init__(
        self, *, providers: Mapping[str, HttpxOAuthProvider], redirect_uris: Mapping[str, str]
    ) -> None:
        missing = sorted(set(providers) - set(redirect_uris))
        if missing:
            raise ConfigurationError(f"no redirect URI configured for provider(s) {missing}")
        self._providers = dict(providers)
        self._redirect_uris = {name: redirect_uris[name] for name in providers}

    def get(self, name: str) -> OAuthProvider:
        provider = self._providers.get(name)
        if provider is None:
            raise UnsupportedProvider()
        return provider

    def redirect_uri(self, name: str) -> str:
        uri = self._redirect_uris.get(name)
        if uri is None:
            raise UnsupportedProvider()
        return uri

    @property
    def names(self) -> list[str]:
        return sorted(self._providers)

    async def aclose(self) -> None:
        """Closes every provider's connection pool; the composition root calls it at shutdown."""
        for provider in self._providers.values():
            await provider.aclose()


def build_provider_registry(
    *,
    configs: Mapping[str, ProviderConfig],
    redirect_uris: Mapping[str, str],
    timeout: float,
    dev_idp_app: ASGIApp | None = None,
    public_base_url: str | None = None,
) -> StaticProviderRegistry:
    """`configs` holds the enabled real providers; `dev` is enabled by passing `dev_idp_app`."""
    unknown = sorted(set(configs) - set(_REAL_PROVIDERS))
    if unknown:
        raise ConfigurationError(f"unknown OAuth provider(s) {unknown}")
    providers: dict[str, HttpxOAuthProvider] = {
        name: _REAL_PROVIDERS[name](
            client_id=config.client_id,
            client_secret=config.client_secret,
            timeout=timeout,
            base_url=config.base_url,
        )
        for name, config in configs.items()
    }
    if dev_idp_app is not None:
        if not public_base_url:
            raise ConfigurationError("the dev provider needs the public base URL")
        providers[DevOAuthProvider.name] = DevOAuthProvider(
            public_base_url=public_base_url, idp_app=dev_idp_app, timeout=timeout
        )
    return StaticProviderRegistry(providers=providers, redirect_uris=redirect_uris)
