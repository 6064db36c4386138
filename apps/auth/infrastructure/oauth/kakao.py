from __future__ import annotations

from typing import Any

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.oauth2_client import ProviderEndpoints
from apps.auth.infrastructure.oauth.pkce_provider import PkceOAuthProvider
from apps.auth.infrastructure.oauth.profiles import build_profile

KAKAO_ENDPOINTS = ProviderEndpoints(
    authorize="https://kauth.kakao.com/oauth/authorize",
    token="https://kauth.kakao.com/oauth/token",
    profile="https://kapi.kakao.com/v2/user/me",
)
# Kakao separates consent item ids with commas, unlike the space of RFC 6749.
KAKAO_SCOPE = "profile_nickname,profile_image,account_email"


class KakaoOAuthProvider(PkceOAuthProvider):
    name = "kakao"
    endpoints = KAKAO_ENDPOINTS
    scope = KAKAO_SCOPE

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
