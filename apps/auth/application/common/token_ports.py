from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation, TokenClaims, TokenType


class TokenCodec(Protocol):
    def encode(self, claims: TokenClaims) -> str: ...

    def decode(self, token: str, expected: TokenType) -> TokenClaims: ...


class RevocationChecker(Protocol):
    async def is_revoked(self, claims: TokenClaims) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RevocationRequest:
    """What one atomic revocation step writes: blacklist entries, ended sessions, not-before."""

    revocations: Sequence[Revocation] = ()
    session_ids: Sequence[str] = ()
    not_before_user: UUID | None = None
    reason: str = "logout"


class RevocationStore(Protocol):
    async def revoke(self, request: RevocationRequest, now: datetime) -> None: ...


class RotationOutcome(StrEnum):
    ROTATED = "rotated"
    GRACE = "grace"
    REUSE = "reuse"
    MISSING = "missing"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTokens:
    access_jti: str
    access_expires_at: datetime
    refresh_jti: str
    refresh_expires_at: datetime
    successor: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationResult:
    outcome: RotationOutcome
    user_id: UUID | None = None
    successor: str = ""


class SessionStore(Protocol):
    async def open(self, session: Session, tokens: SessionTokens) -> None: ...

    async def rotate(
        self, session_id: str, presented_jti: str, tokens: SessionTokens, now: datetime, grace: int
    ) -> RotationResult: ...

    async def list_for_user(self, user_id: UUID) -> list[Session]: ...

    async def get(self, session_id: str) -> Session | None: ...
