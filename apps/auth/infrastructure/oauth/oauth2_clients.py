"""httpx-oauth's provider clients, bound to our pooled HTTP client and our JSON limits.

Only public hooks are overridden: `get_httpx_client` lends the adapter's pooled client
instead of opening one per call, and `get_json` parses through `json_body`. Endpoints are set
through the public attributes, so `AUTH_<P>_BASE_URL` can point a client at a test double.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
from httpx_oauth.clients.google import GoogleOAuth2
from httpx_oauth.clients.kakao import KakaoOAuth2
from httpx_oauth.clients.naver import NaverOAuth2
from httpx_oauth.oauth2 import (
    BaseOAuth2,
    GetAccessTokenError,
    OAuth2ClientAuthMethod,
    OAuth2RequestError,
    OAuth2Token,
)

from apps.auth.infrastructure.oauth.http_client import HttpPool
from apps.auth.infrastructure.oauth.json_body import MalformedBody, parse_object


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderEndpoints:
    authorize: str
    token: str
    profile: str

    def rebased(self, base_url: str | None) -> ProviderEndpoints:
        """Every host of the provider moves to `base_url`; the real paths stay."""
        if not base_url:
            return self
        base = base_url.rstrip("/")
        return ProviderEndpoints(
            authorize=base + urlsplit(self.authorize).path,
            token=base + urlsplit(self.token).path,
            profile=base + urlsplit(self.profile).path,
        )


class _Pooled:
    pool: HttpPool
    authorize_endpoint: str
    access_token_endpoint: str

    def bound_to(self, pool: HttpPool, endpoints: ProviderEndpoints) -> Self:
        self.pool = pool
        self.authorize_endpoint = endpoints.authorize
        self.access_token_endpoint = endpoints.token
        return self

    def get_httpx_client(self) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
        # The adapter owns the pool and closes it at shutdown, not after each call.
        return contextlib.nullcontext(self.pool.client())

    def get_json(
        self, response: httpx.Response, *, exc_class: type[OAuth2RequestError]
    ) -> dict[str, Any]:
        try:
            return parse_object(response.content)
        except MalformedBody as error:
            raise exc_class(str(error), response) from None


class PooledKakaoOAuth2(_Pooled, KakaoOAuth2):
    def build_request(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        auth_method: OAuth2ClientAuthMethod | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> tuple[httpx.Request, httpx.Auth | None]:
        """Without a client secret (optional at Kakao) the token request names the client only.

        httpx-oauth would send `client_secret=` empty; an app without a secret sends none.
        """
        if self.client_secret or auth_method != "client_secret_post" or data is None:
            return super().build_request(client, method, url, auth_method=auth_method, data=data)
        named = {**data, "client_id": self.client_id}
        return super().build_request(client, method, url, auth_method=None, data=named)


class PooledGoogleOAuth2(_Pooled, GoogleOAuth2):
    pass


class PooledOAuth2(_Pooled, BaseOAuth2[dict[str, Any]]):
    pass


class PooledNaverOAuth2(_Pooled, NaverOAuth2):
    async def get_access_token_with_state(self, code: str, state: str) -> OAuth2Token:
        """Naver's token request carries the `state` again and no `redirect_uri`."""
        async with self.get_httpx_client() as client:
            request, auth = self.build_request(
                client,
                "POST",
                self.access_token_endpoint,
                auth_method=self.token_endpoint_auth_method,
                data={"grant_type": "authorization_code", "code": code, "state": state},
            )
            response = await self.send_request(client, request, auth, exc_class=GetAccessTokenError)
            return OAuth2Token(self.get_json(response, exc_class=GetAccessTokenError))
