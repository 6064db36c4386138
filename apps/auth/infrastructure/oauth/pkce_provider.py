from __future__ import annotations

from apps.auth.infrastructure.oauth.oauth2_client import HttpxOAuth2Client, ProviderEndpoints


class ConfiguredOAuthProvider:
    """A provider client built from its endpoints and the credentials we were given."""

    name: str
    endpoints: ProviderEndpoints

    def __init__(
        self, *, client_id: str, client_secret: str, timeout: float, base_url: str | None = None
    ) -> None:
        self._http = HttpxOAuth2Client(
            provider=self.name,
            client_id=client_id,
            client_secret=client_secret,
            endpoints=self.endpoints.rebased(base_url),
            timeout=timeout,
        )


class PkceOAuthProvider(ConfiguredOAuthProvider):
    """The authorization-code flow with PKCE S256 (RFC 6749, RFC 7636) that Kakao, Google and
    the dev provider share; subclasses name the provider, its endpoints and scope, and map
    its profile."""

    scope: str
    supports_pkce = True

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str | None, login_hint: str | None
    ) -> str:
        return self._http.authorization_url(
            {
                "redirect_uri": redirect_uri,
                "scope": self.scope,
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
        form.update(self._client_fields())
        if code_verifier:
            form["code_verifier"] = code_verifier
        return await self._http.request_token(form)

    def _client_fields(self) -> dict[str, str]:
        """Extra token-request fields for clients that do not authenticate with a secret."""
        return {}
