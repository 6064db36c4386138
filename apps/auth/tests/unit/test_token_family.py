"""The decision table of a refresh-token family, row by row."""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token_family import (
    AdoptionOutcome,
    BudgetState,
    FamilyState,
    Presented,
    RotationOutcome,
    blacklist_ttl,
    budget_window,
    client_fingerprint,
    decide_adoption,
    decide_rotation,
    token_digest,
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


@pytest.mark.parametrize(
    ("presented", "used", "outcome"),
    [
        ("r2", 2, RotationOutcome.ROTATED),
        ("r2", 3, RotationOutcome.LIMITED),
        ("r2", 9, RotationOutcome.LIMITED),
        # A dead token is judged as before, whatever the budget: it never reaches the charge.
        ("r1", 3, RotationOutcome.GRACE),
        ("r0", 3, RotationOutcome.REUSE),
    ],
)
def test_budget_refuses_only_a_rotation_when_the_window_is_spent(
    presented: str, used: int, outcome: RotationOutcome
) -> None:
    budget = BudgetState(used=used, limit=3)
    assert decide_rotation(STATE, _p(presented, "client-a"), 105, 10, budget) is outcome


def test_expiry_comes_before_the_budget() -> None:
    spent = BudgetState(used=3, limit=3)
    assert decide_rotation(STATE, _p("r2", "client-a"), 1_000, 10, spent) is RotationOutcome.EXPIRED


def test_current_token_spent_by_v1_is_reuse_even_with_budget_left() -> None:
    spent = replace(STATE, spent_elsewhere=True)
    budget = BudgetState(used=0, limit=3)
    assert decide_rotation(spent, _p("r2", "client-a"), 105, 10, budget) is RotationOutcome.REUSE
    assert decide_rotation(spent, _p("r1", "client-a"), 105, 10) is RotationOutcome.GRACE


@pytest.mark.parametrize(
    ("now", "window", "expected"),
    [(120.0, 60, (2, 60)), (179.2, 60, (2, 1)), (179.9999, 60, (2, 1)), (61.5, 60, (1, 59))],
)
def test_budget_windows_are_fixed_and_retry_after_is_the_rest_of_the_window(
    now: float, window: int, expected: tuple[int, int]
) -> None:
    assert budget_window(now, window) == expected


@pytest.mark.parametrize(
    ("adopted_as", "blacklisted", "known", "outcome"),
    [
        ("sid-1", True, False, AdoptionOutcome.ALREADY_ADOPTED),
        (None, True, True, AdoptionOutcome.REVOKED),
        (None, False, False, AdoptionOutcome.UNKNOWN),
        (None, False, True, AdoptionOutcome.ADOPTED),
    ],
)
def test_a_v1_refresh_token_is_adopted_once_and_only_while_v1_would_accept_it(
    adopted_as: str | None, blacklisted: bool, known: bool, outcome: AdoptionOutcome
) -> None:
    decided = decide_adoption(adopted_as=adopted_as, blacklisted=blacklisted, known_to_v1=known)
    assert decided is outcome


def _p(jti: str, client: str) -> Presented:
    return Presented(refresh_jti=jti, client=client)


@pytest.mark.parametrize(
    ("kept", "digest", "now", "outcome"),
    [
        ("d2", "d2", 101, RotationOutcome.ROTATED),
        ("d2", "d2", 1_000, RotationOutcome.EXPIRED),
        ("d2", "d1", 101, RotationOutcome.UNVERIFIED),
        ("d2", "d1", 1_000, RotationOutcome.UNVERIFIED),
        ("", "d2", 101, RotationOutcome.UNVERIFIED),
        ("d2", "", 101, RotationOutcome.ROTATED),
    ],
)
def test_an_unchecked_token_acts_only_as_the_token_issued_last(
    kept: str, digest: str, now: float, outcome: RotationOutcome
) -> None:
    state = replace(STATE, refresh_digest=kept)
    presented = Presented(refresh_jti="r2", client="client-a", digest=digest)
    budget = BudgetState(used=0, limit=1)
    assert decide_rotation(state, presented, now, 10, budget) is outcome


def test_an_unchecked_token_of_a_missing_session_is_unverified_not_missing() -> None:
    presented = Presented(refresh_jti="r2", client="client-a", digest="d2")
    assert decide_rotation(None, presented, 101, 10) is RotationOutcome.UNVERIFIED


def test_the_digest_of_a_token_is_the_same_only_for_the_same_string() -> None:
    assert token_digest("a.b.c") == token_digest("a.b.c")
    assert token_digest("a.b.c") != token_digest("a.b.d")
    assert len(token_digest("a.b.c")) == 32
