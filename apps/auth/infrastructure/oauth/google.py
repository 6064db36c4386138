from __future__ import annotations

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.oauth2_client import ProviderEndpoints
from apps.auth.infrastructure.oauth.pkce_provider import PkceOAuthProvider
from apps.auth.infrastructure.oauth.profiles import build_profile

GOOGLE_ENDPOINTS = ProviderEndpoints(
    authorize="https://accounts.google.com/o/oauth2/v2/auth",
    token="https://oauth2.googleapis.com/token",
    profile="https://openidconnect.googleapis.com/v1/userinfo",
)
GOOGLE_SCOPE = "openid email profile"


class GoogleOAuthProvider(PkceOAuthProvider):
    name = "google"
    endpoints = GOOGLE_ENDPOINTS
    scope = GOOGLE_SCOPE

    async def fetch_profile(self, access_token: str) -> ProviderProfile:
        body = await self._http.fetch_profile(access_token)
        verified = body.get("email_verified") in (True, "true")
        return build_profile(
            self.name,
            body.get("sub"),
            email=body.get("email") if verified else None,
            nickname=body.get("name"),
            image=body.get("picture"),
        )
