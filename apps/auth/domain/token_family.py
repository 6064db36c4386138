"""Every rule of a refresh-token family (one session), as pure decision tables.

`decide_rotation` decides what a presented refresh token does: rotation, grace, reuse, expiry,
the refresh budget, the cut-over's "spent by v1" rule, and whether a token whose signature was
not checked is the one the store issued; `decide_adoption` decides whether a
refresh token of the previous auth (v1) becomes a session. The in-memory stores call these
functions; the Redis stores run the same tables inside one Lua script each
(`infrastructure/persistence_redis/lua.py`), and a property test against real Redis holds the
two to the same answers and the same state.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from enum import StrEnum

from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.session import ClientInfo


class RotationOutcome(StrEnum):
    ROTATED = "rotated"
    GRACE = "grace"
    REUSE = "reuse"
    MISSING = "missing"
    EXPIRED = "expired"
    LIMITED = "limited"
    UNVERIFIED = "unverified"


# What each outcome does to the family:
# - ROTATED: the presented token is replaced; the old access token is blacklisted ("refresh");
#   one rotation is charged to the user's refresh budget.
# - GRACE: nothing changes; the caller receives the successor issued by the rotation.
# - REUSE: the session ends; its current access token is blacklisted ("refresh_reuse").
# - EXPIRED: the session ends; its current access token is blacklisted ("session_expired").
# - MISSING: nothing to change.
# - LIMITED: a rotation the user's refresh budget has no room for; nothing changes and nothing
#   is charged. Only a request that would rotate is refused, so a dead token cannot spend a
#   live session's budget.
# - UNVERIFIED: a token whose signature was not checked and that is not, byte for byte, the
#   refresh token the store issued last (or whose session is gone): nothing changes, nothing is
#   read back; the caller checks the signature and presents it again as checked.
ENDS_SESSION = {
    RotationOutcome.REUSE: RevocationReason.REFRESH_REUSE,
    RotationOutcome.EXPIRED: RevocationReason.SESSION_EXPIRED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class FamilyState:
    """What the store knows of a session when a refresh token is presented.

    `spent_elsewhere`: during the cut-over v1 spends refresh tokens on its own (its rotation,
    its logout); the current token is spent when v1's records no longer hold it, or it is
    blacklisted. Presenting it is then reuse, as if v2 had rotated it.

    `refresh_digest`: `token_digest` of the current refresh token as it was issued; empty when
    the store does not know it (a session written by a release that did not keep it).
    """

    refresh_jti: str
    previous_refresh_jti: str
    rotated_at: float
    expires_at: float
    rotated_by: str
    successor_kept: bool
    spent_elsewhere: bool = False
    refresh_digest: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Presented:
    """A presented refresh token. `digest` is empty when its signature has been checked;
    otherwise it is the token's `token_digest`, and the store acts on the token only when that
    digest is the one of the refresh token it issued last (which is then the same string, so
    signed by us), answering UNVERIFIED otherwise."""

    refresh_jti: str
    client: str
    digest: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetState:
    """Rotations the user has been charged in the current budget window, and the limit."""

    used: int
    limit: int


def decide_rotation(
    state: FamilyState | None,
    presented: Presented,
    now: float,
    grace_seconds: int,
    budget: BudgetState | None = None,
) -> RotationOutcome:
    """The current token rotates while the budget has room. The token it replaced, presented
    again within the grace window by the client that rotated it, receives the same successor;
    presented any other way it is reuse, and the family ends. A token whose signature was not
    checked counts only as the exact token issued last; anything else is UNVERIFIED, before
    any other rule."""
    if presented.digest and (state is None or presented.digest != state.refresh_digest):
        return RotationOutcome.UNVERIFIED
    if state is None:
        return RotationOutcome.MISSING
    if now >= state.expires_at:
        return RotationOutcome.EXPIRED
    if presented.refresh_jti == state.refresh_jti and not state.spent_elsewhere:
        if budget is not None and budget.used >= budget.limit:
            return RotationOutcome.LIMITED
        return RotationOutcome.ROTATED
    in_grace = (
        grace_seconds > 0
        and presented.refresh_jti == state.previous_refresh_jti
        and now - state.rotated_at <= grace_seconds
        and state.successor_kept
        and presented.client == state.rotated_by
    )
    return RotationOutcome.GRACE if in_grace else RotationOutcome.REUSE


def budget_window(now: float, window_seconds: int) -> tuple[int, int]:
    """The fixed budget window `now` falls in (windows start at multiples of their length
    since the epoch, so every replica and the clock agree on them) and the whole seconds
    until it ends: the Retry-After of a LIMITED answer, and the counter's TTL."""
    index = math.floor(now / window_seconds)
    return index, max(1, math.ceil((index + 1) * window_seconds - now))


class AdoptionOutcome(StrEnum):
    ADOPTED = "rotated"
    ALREADY_ADOPTED = "adopted"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


def decide_adoption(
    *, adopted_as: str | None, blacklisted: bool, known_to_v1: bool
) -> AdoptionOutcome:
    """A v1 refresh token becomes a v2 session once. Presented again, it follows the session
    it became (grace for the same client, otherwise reuse); one v1 revoked or spent cannot."""
    if adopted_as is not None:
        return AdoptionOutcome.ALREADY_ADOPTED
    if blacklisted:
        return AdoptionOutcome.REVOKED
    if not known_to_v1:
        return AdoptionOutcome.UNKNOWN
    return AdoptionOutcome.ADOPTED


def blacklist_ttl(expires_at: float, now: float, leeway: int = 0) -> int:
    """Seconds a revoked token stays blacklisted: its remaining life plus the verification
    leeway (a token is accepted that long past `exp`); 0 means no entry."""
    return max(0, math.ceil(expires_at - now) + leeway)


def token_digest(token: str) -> str:
    """The refresh token as the session keeps it: 128 bits of its SHA-256. Equal digests mean
    the same string, so a presented token with the digest of the one issued last is that token,
    whose signature we made."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def client_fingerprint(client: ClientInfo) -> str:
    """Who rotated a token, as far as the server can tell: user agent and address, hashed."""
    material = f"{client.user_agent or ''}\n{client.ip or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:32]
