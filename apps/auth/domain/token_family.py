"""The rules of a refresh-token family (one session), as a pure decision table.

The in-memory session store calls `decide_rotation`; the Redis store runs the same table inside
one Lua script (`infrastructure/persistence_redis/lua.py`), and a property test holds the two to
the same answers.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from enum import StrEnum

from apps.auth.domain.session import ClientInfo


class RotationOutcome(StrEnum):
    ROTATED = "rotated"
    GRACE = "grace"
    REUSE = "reuse"
    MISSING = "missing"
    EXPIRED = "expired"
    LIMITED = "limited"


# What each outcome does to the family:
# - ROTATED: the presented token is replaced; the old access token is blacklisted ("refresh").
# - GRACE: nothing changes; the caller receives the successor issued by the rotation.
# - REUSE: the session ends; its current access token is blacklisted ("refresh_reuse").
# - EXPIRED: the session ends; its current access token is blacklisted ("session_expired").
# - MISSING: nothing to change.
# - LIMITED: a rotation the user's refresh budget has no room for; nothing changes. Only a
#   request that would rotate is charged, so a dead token cannot spend a live session's budget.
ENDS_SESSION = {RotationOutcome.REUSE: "refresh_reuse", RotationOutcome.EXPIRED: "session_expired"}


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyState:
    """What the store knows of a session when a refresh token is presented."""

    refresh_jti: str
    previous_refresh_jti: str
    rotated_at: float
    expires_at: float
    rotated_by: str
    successor_kept: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Presented:
    refresh_jti: str
    client: str


def decide_rotation(
    state: FamilyState | None, presented: Presented, now: float, grace_seconds: int
) -> RotationOutcome:
    """The current token rotates. The token it replaced, presented again within the grace
    window by the client that rotated it, receives the same successor; presented any other way
    it is reuse, and the family ends."""
    if state is None:
        return RotationOutcome.MISSING
    if now >= state.expires_at:
        return RotationOutcome.EXPIRED
    if presented.refresh_jti == state.refresh_jti:
        return RotationOutcome.ROTATED
    in_grace = (
        grace_seconds > 0
        and presented.refresh_jti == state.previous_refresh_jti
        and now - state.rotated_at <= grace_seconds
        and state.successor_kept
        and presented.client == state.rotated_by
    )
    return RotationOutcome.GRACE if in_grace else RotationOutcome.REUSE


def blacklist_ttl(expires_at: float, now: float, leeway: int = 0) -> int:
    """Seconds a revoked token stays blacklisted: its remaining life plus the verification
    leeway (a token is accepted that long past `exp`); 0 means no entry."""
    return max(0, math.ceil(expires_at - now) + leeway)


def client_fingerprint(client: ClientInfo) -> str:
    """Who rotated a token, as far as the server can tell: user agent and address, hashed."""
    material = f"{client.user_agent or ''}\n{client.ip or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:32]
