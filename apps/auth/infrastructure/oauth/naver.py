from __future__ import annotations

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.oauth2_client import ProviderEndpoints
from apps.auth.infrastructure.oauth.pkce_provider import ConfiguredOAuthProvider
from apps.auth.infrastructure.oauth.profiles import build_profile

NAVER_ENDPOINTS = ProviderEndpoints(
    authorize="https://nid.naver.com/oauth2.0/authorize",
    token="https://nid.naver.com/oauth2.0/token",
    profile="https://openapi.naver.com/v1/nid/me",
)


class NaverOAuthProvider(ConfiguredOAuthProvider):
    """Naver has neither PKCE nor scopes, and wants the `state` again at its token endpoint."""

    name = "naver"
    endpoints = NAVER_ENDPOINTS
    supports_pkce = False

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str:
        return self._http.authorization_url({"redirect_uri": redirect_uri, "state": state})

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, state: str
    ) -> str:
        return await self._http.request_token(
            {"grant_type": "authorization_code", "code": code, "state": state}
        )

    async def fetch_profile(self, access_token: str) -> ProviderProfile:
        body = await self._http.fetch_profile(access_token)
        if body.get("resultcode") != "00":
            raise OAuthProviderError("naver profile endpoint answered a failure result code")
        response = body.get("response")
        if not isinstance(response, dict):
            raise OAuthProviderError("naver profile has no user id")
        return build_profile(
            self.name,
            response.get("id"),
            email=response.get("email"),
            nickname=response.get("nickname"),
            image=response.get("profile_image"),
        )
