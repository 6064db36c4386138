from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from apps.auth.domain.revocation_reason import RevocationReason


class TokenType(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenClaims:
    sub: UUID
    jti: str
    type: TokenType
    provider: str
    # Empty for a token issued by the previous auth (v1), which names no session.
    sid: str
    issued_at: datetime
    expires_at: datetime

    @property
    def issued_by_v1(self) -> bool:
        """Whether the previous auth (v1) issued this token: the one test of it anywhere."""
        return not self.sid


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken:
    value: str
    claims: TokenClaims


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenPair:
    access: IssuedToken
    refresh: IssuedToken


@dataclass(frozen=True, slots=True, kw_only=True)
class Successor:
    """The pair a rotation issued, kept for the grace window to answer a duplicate refresh."""

    access: str
    refresh: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Revocation:
    """A revoked token id with its natural expiry: the blacklist entry and the outbox event."""

    jti: str
    user_id: UUID
    expires_at: datetime
    reason: RevocationReason

    @classmethod
    def of(cls, claims: TokenClaims, reason: RevocationReason) -> Revocation:
        return cls(jti=claims.jti, user_id=claims.sub, expires_at=claims.expires_at, reason=reason)
