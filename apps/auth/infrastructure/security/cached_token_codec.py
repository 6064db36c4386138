from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from apps.auth.domain.errors import TokenExpired, TokenTypeMismatch
from apps.auth.domain.token import TokenClaims, TokenType
from apps.auth.infrastructure.security.jose_token_codec import JoseTokenCodec


class CachingTokenCodec:
    """Remembers the claims of access tokens whose signature already verified.

    Entries are keyed by the signed part of the token (header and payload), which a client
    cannot vary without the key, and hold the signature that verified: any other spelling of
    the signature is verified again and replaces the entry, so malleated copies of one token
    never multiply the cache. Only time-dependent checks repeat on a hit; failures are never
    cached; refresh tokens are used once and are not kept. Bounded LRU.
    """

    max_entries = 10_000

    def __init__(self, *, codec: JoseTokenCodec) -> None:
        self._codec = codec
        self._max = self.max_entries
        self._claims: OrderedDict[str, tuple[str, TokenClaims]] = OrderedDict()

    def encode(self, claims: TokenClaims) -> str:
        return self._codec.encode(claims)

    async def encode_all(self, claims: Sequence[TokenClaims]) -> list[str]:
        return await self._codec.encode_all(claims)

    def inspect(self, token: str, expected: TokenType) -> TokenClaims | None:
        return self._codec.inspect(token, expected)

    def decode(self, token: str, expected: TokenType) -> TokenClaims:
        if expected is not TokenType.ACCESS:
            return self._codec.decode(token, expected)
        signed, _, signature = token.rpartition(".")
        entry = self._claims.get(signed)
        if entry is None or entry[0] != signature:
            claims = self._codec.decode(token, expected)
            self._claims[signed] = (signature, claims)
            if len(self._claims) > self._max:
                self._claims.popitem(last=False)
            return claims
        claims = entry[1]
        if claims.type is not expected:
            raise TokenTypeMismatch()
        if self._codec.expired(claims):
            del self._claims[signed]
            raise TokenExpired()
        return claims

    def __len__(self) -> int:
        return len(self._claims)
