"""Masked networks and the activity cursor: what leaves the service about a place and a page."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from apps.auth.application.common.activity_ports import AuditPosition
from apps.auth.application.user.activity_cursor import decode_cursor, encode_cursor
from apps.auth.domain.activity import mask_network
from apps.auth.domain.errors import CursorInvalid


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("203.0.113.77", "203.0.113.x"),
        ("::ffff:198.51.100.4", "198.51.100.x"),
        ("2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:85a3::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("::1", "::/48"),
        ("not-an-ip", None),
        ("203.0.113.77, 10.0.0.1", None),
        ("", None),
        (None, None),
    ],
)
def test_only_the_network_shown_when_an_address_is_masked(
    ip: str | None, network: str | None
) -> None:
    assert mask_network(ip) == network


POSITION = AuditPosition(
    occurred_at=datetime(2026, 12, 7, 15, 0, 0, 123456, tzinfo=UTC),
    id=UUID("6a3c4f5e-0000-4000-8000-000000000001"),
)


def test_cursor_returns_the_same_position_when_decoded_for_its_owner() -> None:
    owner = uuid4()

    assert decode_cursor(encode_cursor(POSITION, owner), owner) == POSITION


def test_cursor_refused_when_presented_by_another_user() -> None:
    cursor = encode_cursor(POSITION, uuid4())

    with pytest.raises(CursorInvalid):
        decode_cursor(cursor, uuid4())


def _flipped(cursor: str, at: int) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[at] ^= 0x01
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1],
        lambda c: c + "A",
        lambda c: c[:-2] + "==",
        lambda c: c.replace(c[5], "*"),
        lambda c: _flipped(c, 29),
        lambda c: _flipped(c, 0),
        lambda c: "A" * 10_000,
        lambda c: "%00" + c[3:],
        lambda c: "\u00e9" * 44,
    ],
)
def test_cursor_refused_when_altered(mangle) -> None:  # type: ignore[no-untyped-def]
    owner = uuid4()
    with pytest.raises(CursorInvalid):
        decode_cursor(mangle(encode_cursor(POSITION, owner)), owner)
