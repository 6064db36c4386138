"""The opaque cursor of the activity list: a position bound to the account it was issued to.

44 base64url characters: the position's time (µs since the epoch, 8 bytes), the record id
(16 bytes) and a 9-byte digest of both with the user id. A cursor of another account, a
truncated or altered one fails the digest or the layout and is refused. The digest is not
keyed: someone who forges a cursor for their own account only moves within their own records,
which the query is limited to anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from datetime import UTC, datetime, timedelta
from uuid import UUID

from apps.auth.application.common.activity_ports import AuditPosition
from apps.auth.domain.errors import CursorInvalid

_LAYOUT = struct.Struct(">q16s9s")
_TEXT = re.compile(r"[A-Za-z0-9_-]{44}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_MICROS = int((datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH).total_seconds() * 1_000_000)


def _tag(micros: int, record: bytes, user_id: UUID) -> bytes:
    body = b"eco2-activity-cursor:" + micros.to_bytes(8, "big", signed=True) + record
    return hashlib.sha256(body + user_id.bytes).digest()[:9]


def encode_cursor(position: AuditPosition, user_id: UUID) -> str:
    micros = (position.occurred_at - _EPOCH) // timedelta(microseconds=1)
    record = position.id.bytes
    raw = _LAYOUT.pack(micros, record, _tag(micros, record, user_id))
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(text: str, user_id: UUID) -> AuditPosition:
    if not _TEXT.fullmatch(text):
        raise CursorInvalid()
    try:
        micros, record, tag = _LAYOUT.unpack(base64.urlsafe_b64decode(text))
    except (binascii.Error, struct.error) as error:
        raise CursorInvalid() from error
    if tag != _tag(micros, record, user_id) or not 0 <= micros <= _MAX_MICROS:
        raise CursorInvalid()
    return AuditPosition(occurred_at=_EPOCH + timedelta(microseconds=micros), id=UUID(bytes=record))
