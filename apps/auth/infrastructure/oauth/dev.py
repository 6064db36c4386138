from __future__ import annotations

import httpx
from starlette.types import ASGIApp

from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.dev_idp import DEV_CLIENT_ID
from apps.auth.infrastructure.oauth.oauth2_client import HttpxOAuth2Client, ProviderEndpoints
from apps.auth.infrastructure.oauth.pkce_provider import PkceOAuthProvider
from apps.auth.infrastructure.oauth.profiles import build_profile

# Token and userinfo calls never leave the process, so this host is never resolved.
_IN_PROCESS = "http://dev-idp.internal"


class DevOAuthProvider(PkceOAuthProvider):
    """The local/test login: the browser goes to `<public_base_url>/dev-idp`, the server talks
    to the same dev IdP app in process, so no network is needed."""

    name = "dev"
    scope = "openid profile email"

    def __init__(
        self,
        *,
        public_base_url: str,
        idp_app: ASGIApp,
        timeout: float,
        client_id: str = DEV_CLIENT_ID,
    ) -> None:
        self._http = HttpxOAuth2Client(
            provider=self.name,
            client_id=client_id,
            client_secret="",
            endpoints=ProviderEndpoints(
                authorize=f"{public_base_url.rstrip('/')}/dev-idp/authorize",
                token=f"{_IN_PROCESS}/token",
                profile=f"{_IN_PROCESS}/userinfo",
            ),
            timeout=timeout,
            client_auth=None,
            transport=httpx.ASGITransport(app=idp_app, raise_app_exceptions=False),
        )

    def _client_fields(self) -> dict[str, str]:
        return {"client_id": self._http.client_id}

    async def fetch_profile(self, access_token: str) -> ProviderProfile:
        body = await self._http.fetch_profile(access_token)
        return build_profile(
            self.name,
            body.get("sub"),
            email=body.get("email"),
            nickname=body.get("name"),
            image=body.get("picture"),
        )
