"""The notices the API writes to the same outbox as revocations (apps/auth/domain/notice.py).

They go to the notice exchange under their type as the routing key; see docs/events.md.
"""

from __future__ import annotations

from datetime import datetime

NOTICE_TYPES = frozenset(("auth.new_device_sign_in", "auth.session_compromised"))
_KEYS = frozenset(("type", "event_id", "user_id", "occurred_at", "provider", "device", "network"))
_DEVICE_KEYS = frozenset(("label", "browser", "os", "in_app"))


def notice_problem(event: dict[str, object]) -> str | None:
    if set(event) != _KEYS:
        return f"members must be exactly {sorted(_KEYS)}"
    for key in ("event_id", "user_id", "occurred_at"):
        value = event[key]
        if not isinstance(value, str) or not value:
            return f"'{key}' must be a non-empty string"
    for key in ("provider", "network"):
        if event[key] is not None and not isinstance(event[key], str):
            return f"'{key}' must be a string or null"
    try:
        datetime.fromisoformat(str(event["occurred_at"]).replace("Z", "+00:00"))
    except ValueError:
        return "'occurred_at' is not an ISO 8601 time"
    return _device_problem(event["device"])


def _device_problem(device: object) -> str | None:
    if not isinstance(device, dict) or set(device) != _DEVICE_KEYS:
        return f"'device' must be an object of exactly {sorted(_DEVICE_KEYS)}"
    label = device["label"]
    if not isinstance(label, str) or not label:
        return "'device.label' must be a non-empty string"
    for key in ("browser", "os", "in_app"):
        if device[key] is not None and not isinstance(device[key], str):
            return f"'device.{key}' must be a string or null"
    return None
