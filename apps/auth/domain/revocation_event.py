"""The revocation event's wire format, as gateways consume it from `blacklist.events`.

The Lua scripts build the same bytes (`persistence_redis/helpers.lua`, `event`); a golden test
compares the two encoders.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from apps.auth.domain.token import Revocation

# The text of recent whole seconds: a refresh writes the same few seconds several times.
_SECONDS: dict[int, str] = {}
_SECONDS_KEPT = 256


def iso_utc(moment: datetime) -> str:
    """The moment in UTC to the whole second, `Z`-suffixed (`2026-01-02T03:04:05Z`)."""
    second = int(moment.timestamp() // 1)
    text = _SECONDS.get(second)
    if text is None:
        if len(_SECONDS) >= _SECONDS_KEPT:
            _SECONDS.clear()
        text = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        _SECONDS[second] = text
    return text


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
