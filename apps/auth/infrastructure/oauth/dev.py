from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp

from apps.auth.domain.user import DEV_PROVIDER, ProviderProfile
from apps.auth.infrastructure.oauth.dev_idp import DEV_CLIENT_ID
from apps.auth.infrastructure.oauth.http_client import HttpPool
from apps.auth.infrastructure.oauth.oauth2_clients import PooledOAuth2, ProviderEndpoints
from apps.auth.infrastructure.oauth.profiles import build_profile
from apps.auth.infrastructure.oauth.provider_base import HttpxOAuthProvider

# Token and userinfo calls never leave the process, so this host is never resolved.
_IN_PROCESS = "http://dev-idp.internal"


class DevOAuthProvider(HttpxOAuthProvider):
    """The local/test login: the browser goes to `<public_base_url>/dev-idp`, the server talks
    to the same dev IdP app in process, so no network is needed."""

    name = DEV_PROVIDER

    def __init__(
        self,
        *,
        public_base_url: str,
        idp_app: ASGIApp,
        timeout: float,
        client_id: str = DEV_CLIENT_ID,
    ) -> None:
        endpoints = ProviderEndpoints(
            authorize=f"{public_base_url.rstrip('/')}/dev-idp/authorize",
            token=f"{_IN_PROCESS}/token",
            profile=f"{_IN_PROCESS}/userinfo",
        )
        pool = HttpPool(
            timeout=timeout,
            transport=lambda: httpx.ASGITransport(app=idp_app, raise_app_exceptions=False),
        )
        oauth = PooledOAuth2(
            client_id,
            "",
            endpoints.authorize,
            endpoints.token,
            name=self.name,
            base_scopes=["openid", "profile", "email"],
        )
        super().__init__(
            oauth=oauth.bound_to(pool, endpoints),
            pool=pool,
            endpoints=endpoints,
            timeout=timeout,
        )

    def _profile(self, body: dict[str, Any]) -> ProviderProfile:
        return build_profile(
            self.name,
            body.get("sub"),
            email=body.get("email"),
            nickname=body.get("name"),
            image=body.get("picture"),
        )
