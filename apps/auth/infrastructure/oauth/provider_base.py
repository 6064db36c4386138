"""The authorization-code flow (RFC 6749) with PKCE S256 (RFC 7636) on an httpx-oauth client.

Each adapter owns one `HttpPool`, a pooled `httpx.AsyncClient`: the httpx-oauth client
borrows it for the token call, the profile request goes out on it too, and `aclose()`
releases its connections at shutdown. A code is exchanged exactly once: no call here is
ever retried.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from httpx_oauth.oauth2 import BaseOAuth2

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.domain.user import ProviderProfile
from apps.auth.infrastructure.oauth.failures import describe, error_body, provider_call
from apps.auth.infrastructure.oauth.http_client import HttpPool
from apps.auth.infrastructure.oauth.json_body import MalformedBody, parse_object
from apps.auth.infrastructure.oauth.oauth2_clients import ProviderEndpoints

# RFC 6750 b64token is narrower; visible ASCII keeps header injection out and real tokens in.
_ACCESS_TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")


class HttpxOAuthProvider:
    """Subclasses name the provider and map its profile JSON in `_profile`."""

    name: str
    supports_pkce = True

    def __init__(
        self,
        *,
        oauth: BaseOAuth2[Any],
        pool: HttpPool,
        endpoints: ProviderEndpoints,
        timeout: float,
    ) -> None:
        self._oauth = oauth
        self._pool = pool
        self._profile_url = endpoints.profile
        self._timeout = timeout

    async def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str:
        return await self._oauth.get_authorization_url(
            redirect_uri,
            state=state,
            code_challenge=code_challenge,
            code_challenge_method="S256" if code_challenge else None,
            extras_params={"login_hint": login_hint} if login_hint else None,
        )

    async def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str | None, state: str
    ) -> str:
        async with provider_call(self.name, "token", self._timeout):
            token = await self._request_token(code, redirect_uri, code_verifier, state)
        return self._access_token(token)

    async def _request_token(
        self, code: str, redirect_uri: str, code_verifier: str | None, state: str
    ) -> Mapping[str, Any]:
        return await self._oauth.get_access_token(code, redirect_uri, code_verifier)

    def _access_token(self, token: Mapping[str, Any]) -> str:
        if "error" in token:
            # Naver reports a refused code with 200 and an `error` member.
            raise OAuthProviderError(f"{self.name} token endpoint " + describe("answered", token))
        value = token.get("access_token")
        if not isinstance(value, str) or not _ACCESS_TOKEN.fullmatch(value):
            raise OAuthProviderError(f"{self.name} token endpoint answered without a usable token")
        return value

    async def fetch_profile(self, access_token: str) -> ProviderProfile:
        headers = {"Authorization": f"Bearer {access_token}"}
        async with provider_call(self.name, "profile", self._timeout):
            response = await self._pool.client().get(self._profile_url, headers=headers)
        where = f"{self.name} profile endpoint"
        if response.status_code != 200:
            outcome = describe(f"answered HTTP {response.status_code}", error_body(response))
            raise OAuthProviderError(f"{where} {outcome}")
        try:
            body = parse_object(response.content)
        except MalformedBody as error:
            raise OAuthProviderError(f"{where} answered malformed JSON ({error})") from None
        return self._profile(body)

    def _profile(self, body: dict[str, Any]) -> ProviderProfile:
        raise NotImplementedError

    async def aclose(self) -> None:
        await self._pool.aclose()
