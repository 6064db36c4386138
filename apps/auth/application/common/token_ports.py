from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import Session
from apps.auth.domain.token import Revocation, Successor, TokenClaims, TokenType
from apps.auth.domain.token_family import Presented, RotationOutcome


class TokenCodec(Protocol):
    def encode(self, claims: TokenClaims) -> str: ...

    async def encode_all(self, claims: Sequence[TokenClaims]) -> list[str]:
        """The tokens of `claims`, in order, as `encode` writes them; a codec may sign them
        together with other callers' tokens of the same event-loop turn."""
        ...

    def decode(self, token: str, expected: TokenType) -> TokenClaims: ...

    def inspect(self, token: str, expected: TokenType) -> TokenClaims | None:
        """The claims `decode` would return, with every check but the signature's; None when
        any check fails (then `decode` tells why). Only for a token the caller goes on to
        match against what a store issued."""
        ...


class RevocationChecker(Protocol):
    async def is_revoked(self, claims: TokenClaims) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RevocationRequest:
    """What one atomic revocation step writes: blacklist entries, ended sessions, not-before."""

    revocations: Sequence[Revocation] = ()
    session_ids: Sequence[str] = ()
    not_before_user: UUID | None = None
    reason: RevocationReason = RevocationReason.LOGOUT
    spent_refresh: Sequence[Revocation] = ()
    """Refresh tokens outside any v2 session (issued by v1) that are spent by this step."""


class RevocationStore(Protocol):
    async def revoke(self, request: RevocationRequest, now: datetime) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTokens:
    """What a session keeps of its current pair. `refresh_digest` is the refresh token's
    `token_digest` (empty: not kept), by which the store recognises that token unchecked."""

    access_jti: str
    access_expires_at: datetime
    refresh_jti: str
    refresh_expires_at: datetime
    refresh_digest: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshBudget:
    """Rotations allowed per user and window; charged only for a request that rotates."""

    key: str
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationRequest:
    """A presented refresh token and the pair that replaces it if it is the current one.

    `presented_token` is the token itself: the successor is sealed with it, so only a holder
    of that token can read the successor back.
    """

    session_id: str
    presented: Presented
    presented_token: str
    tokens: SessionTokens
    successor: Successor | None
    now: datetime
    grace_seconds: int
    budget: RefreshBudget | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationResult:
    outcome: RotationOutcome
    user_id: UUID | None = None
    successor: Successor | None = None
    retry_after: int | None = None
    # False when the rotation ended the session and a required replica did not acknowledge it.
    replicated: bool = True


class SessionStore(Protocol):
    async def open(self, session: Session, tokens: SessionTokens) -> None: ...

    async def rotate(self, request: RotationRequest) -> RotationResult: ...

    async def list_for_user(self, user_id: UUID) -> list[Session]: ...

    async def get(self, session_id: str) -> Session | None: ...
