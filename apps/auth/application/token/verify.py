from __future__ import annotations

from dataclasses import dataclass

from apps.auth.application.common.token_ports import RevocationChecker, TokenCodec
from apps.auth.domain.errors import MissingToken, TokenRevoked
from apps.auth.domain.token import TokenClaims, TokenType


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidateTokenRequest:
    token: str | None


class ValidateTokenQuery:
    """An access token is valid when its signature and claims hold and it is not revoked.

    The hot path of the mesh: no database, one revocation lookup.
    """

    def __init__(self, *, codec: TokenCodec, revocations: RevocationChecker) -> None:
        self._codec = codec
        self._revocations = revocations

    async def execute(self, request: ValidateTokenRequest) -> TokenClaims:
        if not request.token:
            raise MissingToken()
        claims = self._codec.decode(request.token, TokenType.ACCESS)
        if await self._revocations.is_revoked(claims):
            raise TokenRevoked()
        return claims
