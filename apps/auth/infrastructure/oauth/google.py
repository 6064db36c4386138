from __future__ import annotations

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.oauth2_client import HttpxOAuth2Client, ProviderEndpoints
from apps.auth.infrastructure.oauth.profiles import build_profile

GOOGLE_ENDPOINTS = ProviderEndpoints(
    authorize="https://accounts.google.com/o/oauth2/v2/auth",
    token="https://oauth2.googleapis.com/token",
    profile="https://openidconnect.googleapis.com/v1/userinfo",
)
GOOGLE_SCOPE = "openid email profile"


class GoogleOAuthProvider:
    name = "google"
    supports_pkce = True

    def __init__(
        self, *, client_id: str, client_secret: str, timeout: float, base_url: str | None = None
    ) -> None:
        self._http = HttpxOAuth2Client(
            provider=self.name,
            client_id=client_id,
            client_secret=client_secret,
            endpoints=GOOGLE_ENDPOINTS.rebased(base_url),
            timeout=timeout,
        )

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str:
        return self._http.authorization_url(
            {
                "redirect_uri": redirect_uri,
                "scope": GOOGLE_SCOPE,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256" if code_challenge else None,
                "login_hint": login_hint,
            }
        )

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, state: str
    ) -> str:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return await self._http.request_token(form)

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
