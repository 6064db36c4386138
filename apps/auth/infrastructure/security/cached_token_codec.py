from __future__ import annotations

from collections import OrderedDict

from apps.auth.domain.errors import TokenExpired, TokenTypeMismatch
from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec


class CachingTokenCodec:
    """Remembers the claims of access tokens whose signature already verified.

    A token string always carries the same claims, so only time-dependent checks are
    repeated on a hit; failures are never cached. Refresh tokens are used once and are not
    kept. Bounded LRU.
    """

    def __init__(self, codec: JoseTokenCodec, max_entries: int = 10_000) -> None:
        self._codec = codec
        self._max = max_entries
        self._claims: OrderedDict[str, TokenClaims] = OrderedDict()

    def encode(self, claims: TokenClaims) -> str:
        return self._codec.encode(claims)

    def decode(self, token: str, expected: TokenType) -> TokenClaims:
        if expected is not TokenType.ACCESS:
            return self._codec.decode(token, expected)
        claims = self._claims.get(token)
        if claims is None:
            claims = self._codec.decode(token, expected)
            self._claims[token] = claims
            if len(self._claims) > self._max:
                self._claims.popitem(last=False)
            return claims
        if claims.type is not expected:
            raise TokenTypeMismatch()
        if self._codec.expired(claims):
            del self._claims[token]
            raise TokenExpired()
        return claims
