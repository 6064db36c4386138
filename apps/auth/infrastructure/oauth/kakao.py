from __future__ import annotations

from typing import Any

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.http_client import HttpPool
from apps.auth.infrastructure.oauth.oauth2_clients import PooledKakaoOAuth2, ProviderEndpoints
from apps.auth.infrastructure.oauth.profiles import build_profile, mapping
from apps.auth.infrastructure.oauth.provider_base import HttpxOAuthProvider

KAKAO_ENDPOINTS = ProviderEndpoints(
    authorize="https://kauth.kakao.com/oauth/authorize",
    token="https://kauth.kakao.com/oauth/token",
    profile="https://kapi.kakao.com/v2/user/me",
)
# Kakao separates consent item ids with commas, unlike the space of RFC 6749, so the whole
# list is handed to httpx-oauth as one scope.
KAKAO_SCOPE = "profile_nickname,profile_image,account_email"


class KakaoOAuthProvider(HttpxOAuthProvider):
    name = "kakao"

    def __init__(
        self, *, client_id: str, client_secret: str, timeout: float, base_url: str | None = None
    ) -> None:
        endpoints = KAKAO_ENDPOINTS.rebased(base_url)
        pool = HttpPool(timeout=timeout)
        oauth = PooledKakaoOAuth2(client_id, client_secret, scopes=[KAKAO_SCOPE]).bound_to(
            pool, endpoints
        )
        super().__init__(
            oauth=oauth,
            pool=pool,
            endpoints=endpoints,
            timeout=timeout,
        )

    def _profile(self, body: dict[str, Any]) -> ProviderProfile:
        account = mapping(self.name, "kakao_account", body.get("kakao_account"))
        profile = mapping(self.name, "kakao_account.profile", account.get("profile"))
        return build_profile(
            self.name,
            body.get("id"),
            email=account.get("email") if _email_usable(account) else None,
            nickname=profile.get("nickname"),
            image=profile.get("profile_image_url"),
        )


def _email_usable(account: dict[str, Any]) -> bool:
    # Kakao documents that an email flagged invalid or unverified must not be used.
    return account.get("is_email_valid") is not False and (
        account.get("is_email_verified") is not False
    )
