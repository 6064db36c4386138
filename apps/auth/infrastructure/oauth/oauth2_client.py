"""Outbound OAuth 2.0 calls shared by every provider; each failure becomes `OAuthProviderError`.

Messages name the provider, the endpoint and the HTTP status or the provider's error code,
never the authorization code, tokens or client secret: they end up in logs.
"""

from __future__ import annotations

import functools
import re
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx
from httpx_oauth.oauth2 import BaseOAuth2, OAuth2RequestError

from apps.auth.domain.errors import OAuthProviderError

_SAFE_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_RequestBuilder = Callable[[httpx.AsyncClient], tuple[httpx.Request, httpx.Auth | None]]


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


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~100 ms; one context serves every outbound client.
    return httpx.create_ssl_context()


class _TimedOAuth2(BaseOAuth2[dict[str, Any]]):
    def __init__(self, *, timeout: float, transport: httpx.AsyncBaseTransport | None, **kw: Any):
        super().__init__(**kw)
        self._timeout = httpx.Timeout(timeout)
        self._transport = transport

    def get_httpx_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self._timeout,
            transport=self._transport,
            verify=_tls_context(),
            follow_redirects=False,
        )


class HttpxOAuth2Client:
    def __init__(
        self,
        *,
        provider: str,
        client_id: str,
        client_secret: str,
        endpoints: ProviderEndpoints,
        timeout: float,
        client_auth: Literal["client_secret_post"] | None = "client_secret_post",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.client_id = client_id
        self.endpoints = endpoints
        self._client_auth = client_auth
        self._oauth = _TimedOAuth2(
            client_id=client_id,
            client_secret=client_secret,
            authorize_endpoint=endpoints.authorize,
            access_token_endpoint=endpoints.token,
            name=provider,
            token_endpoint_auth_method="client_secret_post",
            timeout=timeout,
            transport=transport,
        )

    def authorization_url(self, params: Mapping[str, str | None]) -> str:
        query = {"response_type": "code", "client_id": self.client_id}
        query.update({key: value for key, value in params.items() if value is not None})
        return f"{self.endpoints.authorize}?{urlencode(query)}"

    async def request_token(self, form: Mapping[str, str]) -> str:
        """POSTs the token request; a 200 carrying `error` (Naver's habit) is a failure too."""

        def build(client: httpx.AsyncClient) -> tuple[httpx.Request, httpx.Auth | None]:
            return self._oauth.build_request(
                client, "POST", self.endpoints.token, auth_method=self._client_auth, data=form
            )

        body = await self._send("token", build)
        if "error" in body:
            raise OAuthProviderError(self._describe("token", "answered", body))
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise OAuthProviderError(f"{self.provider} token endpoint answered without a token")
        return token

    async def fetch_profile(self, access_token: str) -> dict[str, Any]:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {access_token}"}

        def build(client: httpx.AsyncClient) -> tuple[httpx.Request, httpx.Auth | None]:
            return client.build_request("GET", self.endpoints.profile, headers=headers), None

        return await self._send("profile", build)

    async def _send(self, stage: str, build: _RequestBuilder) -> dict[str, Any]:
        async with self._oauth.get_httpx_client() as client:
            try:
                request, auth = build(client)
                response = await self._oauth.send_request(
                    client, request, auth, exc_class=OAuth2RequestError
                )
            except OAuth2RequestError as error:
                raise OAuthProviderError(self._failure(stage, error)) from None
            except httpx.InvalidURL:
                raise OAuthProviderError(f"{self.provider} {stage} endpoint is invalid") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OAuthProviderError(f"{self.provider} {stage} endpoint answered malformed JSON")
        return body

    def _failure(self, stage: str, error: OAuth2RequestError) -> str:
        if error.response is not None:
            try:
                body = error.response.json()
            except ValueError:
                body = None
            return self._describe(stage, f"answered HTTP {error.response.status_code}", body)
        if isinstance(error.__cause__, httpx.TimeoutException):
            return f"{self.provider} {stage} endpoint timed out"
        return f"{self.provider} {stage} endpoint could not be reached"

    def _describe(self, stage: str, outcome: str, body: object) -> str:
        code = body.get("error") if isinstance(body, dict) else None
        if isinstance(code, str) and _SAFE_ERROR_CODE.fullmatch(code):
            return f"{self.provider} {stage} endpoint {outcome} error {code}"
        return f"{self.provider} {stage} endpoint {outcome}"
