"""The decision table of a refresh-token family, row by row."""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token_family import (
    FamilyState,
    Presented,
    RotationOutcome,
    blacklist_ttl,
    client_fingerprint,
    decide_rotation,
)

STATE = FamilyState(
    refresh_jti="r2",
    previous_refresh_jti="r1",
    rotated_at=100.0,
    expires_at=1_000.0,
    rotated_by="client-a",
    successor_kept=True,
)


@pytest.mark.parametrize(
    ("presented", "now", "grace", "state", "outcome"),
    [
        ("r2", 101, 10, STATE, RotationOutcome.ROTATED),
        ("r1", 110, 10, STATE, RotationOutcome.GRACE),
        ("r1", 110.5, 10, STATE, RotationOutcome.REUSE),
        ("r1", 101, 0, STATE, RotationOutcome.REUSE),
        ("r0", 101, 10, STATE, RotationOutcome.REUSE),
        ("r2", 1_000, 10, STATE, RotationOutcome.EXPIRED),
        ("r1", 1_000, 10, STATE, RotationOutcome.EXPIRED),
        ("r2", 101, 10, None, RotationOutcome.MISSING),
    ],
)
def test_outcome_follows_the_table_when_a_refresh_token_is_presented(
    presented: str, now: float, grace: int, state: FamilyState | None, outcome: RotationOutcome
) -> None:
    decided = decide_rotation(
        state, Presented(refresh_jti=presented, client="client-a"), now, grace
    )
    assert decided is outcome


def test_grace_is_reuse_when_another_client_presents_the_rotated_token() -> None:
    presented = Presented(refresh_jti="r1", client="client-b")
    assert decide_rotation(STATE, presented, 101, 10) is RotationOutcome.REUSE


def test_grace_is_reuse_when_the_successor_is_no_longer_kept() -> None:
    gone = replace(STATE, successor_kept=False)
    presented = Presented(refresh_jti="r1", client="client-a")
    assert decide_rotation(gone, presented, 101, 10) is RotationOutcome.REUSE


def test_blacklist_ttl_is_the_remaining_life_rounded_up_and_never_negative() -> None:
    assert blacklist_ttl(100.2, 90.0) == 11
    assert blacklist_ttl(90.0, 90.0) == 0
    assert blacklist_ttl(80.0, 90.0) == 0


def test_fingerprint_differs_when_address_or_agent_differs() -> None:
    one = client_fingerprint(ClientInfo(ip="192.0.2.1", user_agent="ua"))
    assert one == client_fingerprint(ClientInfo(ip="192.0.2.1", user_agent="ua"))
    assert one != client_fingerprint(ClientInfo(ip="192.0.2.2", user_agent="ua"))
    assert one != client_fingerprint(ClientInfo(ip="192.0.2.1", user_agent="other"))
