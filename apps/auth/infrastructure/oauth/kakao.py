from __future__ import annotations

from typing import Any

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.oauth2_client import HttpxOAuth2Client, ProviderEndpoints
from apps.auth.infrastructure.oauth.profiles import build_profile

KAKAO_ENDPOINTS = ProviderEndpoints(
    authorize="https://kauth.kakao.com/oauth/authorize",
    token="https://kauth.kakao.com/oauth/token",
    profile="https://kapi.kakao.com/v2/user/me",
)
# Kakao separates consent item ids with commas, unlike the space of RFC 6749.
KAKAO_SCOPE = "profile_nickname,profile_image,account_email"


class KakaoOAuthProvider:
    name = "kakao"
    supports_pkce = True

    def __init__(
        self, *, client_id: str, client_secret: str, timeout: float, base_url: str | None = None
    ) -> None:
        self._http = HttpxOAuth2Client(
            provider=self.name,
            client_id=client_id,
            client_secret=client_secret,
            endpoints=KAKAO_ENDPOINTS.rebased(base_url),
            timeout=timeout,
        )

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str:
        return self._http.authorization_url(
            {
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": KAKAO_SCOPE,
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
        account = _mapping(body.get("kakao_account"))
        profile = _mapping(account.get("profile"))
        return build_profile(
            self.name,
            body.get("id"),
            email=account.get("email") if _email_usable(account) else None,
            nickname=profile.get("nickname"),
            image=profile.get("profile_image_url"),
        )


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _email_usable(account: dict[str, Any]) -> bool:
    # Kakao documents that an email flagged invalid or unverified must not be used.
    return account.get("is_email_valid") is not False and (
        account.get("is_email_verified") is not False
    )
