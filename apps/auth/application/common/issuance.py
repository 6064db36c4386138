from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from apps.auth.application.common.ports import IdGenerator
from apps.auth.application.common.token_ports import SessionTokens, TokenCodec
from apps.auth.domain.token import IssuedToken, Successor, TokenClaims, TokenPair, TokenType
from apps.auth.domain.token_family import token_digest


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenLifetimes:
    access_seconds: int
    refresh_seconds: int
    session_max_seconds: int
    refresh_grace_seconds: int


class TokenIssuer:
    """Signs an access/refresh pair for one session; every token gets a fresh `jti`."""

    def __init__(self, *, codec: TokenCodec, ids: IdGenerator, lifetimes: TokenLifetimes) -> None:
        self._codec = codec
        self._ids = ids
        self.lifetimes = lifetimes

    async def issue(
        self, *, user_id: UUID, provider: str, session_id: str, now: datetime
    ) -> tuple[TokenPair, SessionTokens]:
        """The pair is signed in one call to the codec, which may sign it together with other
        pairs of the same event-loop turn."""
        access_claims = self._claims(user_id, provider, session_id, TokenType.ACCESS, now)
        refresh_claims = self._claims(user_id, provider, session_id, TokenType.REFRESH, now)
        access_token, refresh_token = await self._codec.encode_all([access_claims, refresh_claims])
        access = IssuedToken(value=access_token, claims=access_claims)
        refresh = IssuedToken(value=refresh_token, claims=refresh_claims)
        pair = TokenPair(access=access, refresh=refresh)
        tokens = SessionTokens(
            access_jti=access.claims.jti,
            access_expires_at=access.claims.expires_at,
            refresh_jti=refresh.claims.jti,
            refresh_expires_at=refresh.claims.expires_at,
            refresh_digest=token_digest(refresh.value),
        )
        return pair, tokens

    def restore(self, successor: Successor) -> TokenPair:
        access, refresh = successor.access, successor.refresh
        return TokenPair(
            access=IssuedToken(value=access, claims=self._codec.decode(access, TokenType.ACCESS)),
            refresh=IssuedToken(
                value=refresh, claims=self._codec.decode(refresh, TokenType.REFRESH)
            ),
        )

    def _claims(
        self, user_id: UUID, provider: str, sid: str, kind: TokenType, now: datetime
    ) -> TokenClaims:
        seconds = (
            self.lifetimes.access_seconds
            if kind is TokenType.ACCESS
            else self.lifetimes.refresh_seconds
        )
        # A token carries its times in whole seconds (`iat`, `exp`); the claims kept and
        # answered beside it carry the same ones.
        issued_at = now.replace(microsecond=0)
        return TokenClaims(
            sub=user_id,
            jti=self._ids.new_token_id(),
            type=kind,
            provider=provider,
            sid=sid,
            issued_at=issued_at,
            expires_at=issued_at + timedelta(seconds=seconds),
        )
