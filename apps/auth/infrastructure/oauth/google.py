from __future__ import annotations

from typing import Any

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.http_client import HttpPool
from apps.auth.infrastructure.oauth.oauth2_clients import PooledGoogleOAuth2, ProviderEndpoints
from apps.auth.infrastructure.oauth.profiles import build_profile
from apps.auth.infrastructure.oauth.provider_base import HttpxOAuthProvider

# The OpenID Connect userinfo endpoint, not the People API that httpx-oauth's own
# `get_profile` calls: it answers `sub`, the stable identity, and `email_verified`.
GOOGLE_ENDPOINTS = ProviderEndpoints(
    authorize="https://accounts.google.com/o/oauth2/v2/auth",
    token="https://oauth2.googleapis.com/token",
    profile="https://openidconnect.googleapis.com/v1/userinfo",
)
GOOGLE_SCOPES = ["openid", "email", "profile"]


class GoogleOAuthProvider(HttpxOAuthProvider):
    name = "google"

    def __init__(
        self, *, client_id: str, client_secret: str, timeout: float, base_url: str | None = None
    ) -> None:
        endpoints = GOOGLE_ENDPOINTS.rebased(base_url)
        pool = HttpPool(timeout=timeout)
        oauth = PooledGoogleOAuth2(client_id, client_secret, scopes=GOOGLE_SCOPES).bound_to(
            pool, endpoints
        )
        super().__init__(
            oauth=oauth,
            pool=pool,
            endpoints=endpoints,
            timeout=timeout,
        )

    def _profile(self, body: dict[str, Any]) -> ProviderProfile:
        verified = body.get("email_verified") in (True, "true")
        return build_profile(
            self.name,
            body.get("sub"),
            email=body.get("email") if verified else None,
            nickname=body.get("name"),
            image=body.get("picture"),
        )
