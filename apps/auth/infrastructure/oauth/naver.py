from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.http_client import HttpPool
from apps.auth.infrastructure.oauth.oauth2_clients import PooledNaverOAuth2, ProviderEndpoints
from apps.auth.infrastructure.oauth.profiles import build_profile, mapping
from apps.auth.infrastructure.oauth.provider_base import HttpxOAuthProvider

NAVER_ENDPOINTS = ProviderEndpoints(
    authorize="https://nid.naver.com/oauth2.0/authorize",
    token="https://nid.naver.com/oauth2.0/token",
    profile="https://openapi.naver.com/v1/nid/me",
)


class NaverOAuthProvider(HttpxOAuthProvider):
    """Naver has neither PKCE nor scopes, and wants the `state` again at its token endpoint."""

    name = "naver"
    supports_pkce = False

    def __init__(
        self, *, client_id: str, client_secret: str, timeout: float, base_url: str | None = None
    ) -> None:
        endpoints = NAVER_ENDPOINTS.rebased(base_url)
        pool = HttpPool(timeout=timeout)
        self._naver = PooledNaverOAuth2(client_id, client_secret, scopes=None).bound_to(
            pool, endpoints
        )
        super().__init__(
            oauth=self._naver,
            pool=pool,
            endpoints=endpoints,
            timeout=timeout,
        )

    async def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str:
        return await self._naver.get_authorization_url(redirect_uri, state=state)

    async def _request_token(
        self, code: str, redirect_uri: str, code_verifier: str | None, state: str
    ) -> Mapping[str, Any]:
        return await self._naver.get_access_token_with_state(code, state)

    def _profile(self, body: dict[str, Any]) -> ProviderProfile:
        if body.get("resultcode") != "00":
            raise OAuthProviderError("naver profile endpoint answered a failure result code")
        response = mapping(self.name, "response", body.get("response"))
        return build_profile(
            self.name,
            response.get("id"),
            email=response.get("email"),
            nickname=response.get("nickname"),
            image=response.get("profile_image"),
        )
