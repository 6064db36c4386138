from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from apps.auth.application.common.token_ports import SessionTokens
from apps.auth.domain.session import Session
from apps.auth.domain.token import Successor, TokenClaims
from apps.auth.domain.token_family import AdoptionOutcome

__all__ = ["AdoptionOutcome", "AdoptionRequest", "AdoptionResult", "LegacySessions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AdoptionRequest:
    """A refresh token issued by the previous auth (v1), to become the new v2 session."""

    presented: TokenClaims
    presented_token: str
    client: str
    session: Session
    tokens: SessionTokens
    successor: Successor | None
    now: datetime
    grace_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AdoptionResult:
    outcome: AdoptionOutcome
    session_id: str | None = None


class LegacySessions(Protocol):
    """The previous auth's session records: a v1 refresh token is adopted once, atomically."""

    async def adopt(self, request: AdoptionRequest) -> AdoptionResult: ...
