"""The revocation event's wire format, as gateways consume it from `blacklist.events`.

The Lua scripts build the same bytes (`persistence_redis/helpers.lua`, `event`); a golden test
compares the two encoders.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from apps.auth.domain.token import Revocation


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def encode_event(revocation: Revocation, now: datetime) -> bytes:
    return json.dumps(
        {
            "type": "add",
            "jti": revocation.jti,
            "user_id": str(revocation.user_id),
            "expires_at": iso_utc(revocation.expires_at),
            "reason": revocation.reason,
            "timestamp": iso_utc(now),
        },
        separators=(",", ":"),
    ).encode()
