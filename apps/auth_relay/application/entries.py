from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from apps.auth_relay.application.ijson import NotIJson, read_ijson
from apps.auth_relay.application.notice_events import NOTICE_TYPES, notice_problem

EVENT_FIELD = b"event"
_TEXT_KEYS = ("jti", "user_id", "expires_at", "reason", "timestamp")
_KEYS = frozenset(("type", *_TEXT_KEYS))
# Far above any revocation event (about 250 bytes) and far below what a broker accepts
# (RabbitMQ: 128 MiB), so an oversized entry is dead-lettered here instead of retried.
DEFAULT_MAX_EVENT_BYTES = 65_536
_TIME_KEYS = ("expires_at", "timestamp")


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry:
    """One stream entry as read; `fields` is None when the entry was deleted from the stream.

    `deliveries` is the group's delivery counter for the entry, this delivery included.
    """

    entry_id: str
    fields: Mapping[bytes, bytes] | None
    deliveries: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEvent:
    """`topic` is None for a revocation (the fanout exchange), else the notice's type."""

    entry_id: str
    body: bytes
    topic: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """An entry that goes to the dead-letter stream, with why."""

    entry_id: str
    reason: str
    detail: str
    fields: Mapping[bytes, bytes]
    deliveries: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """The broker answered the publish of this one message with a return or a nack."""

    entry_id: str
    reason: str
    detail: str


def give_up(entry: OutboxEntry, refusal: Refusal) -> Rejection:
    detail = f"refused on delivery {entry.deliveries}: {refusal.detail}"[:200]
    return Rejection(
        entry_id=entry.entry_id,
        reason=refusal.reason,
        detail=detail,
        fields=entry.fields or {},
        deliveries=entry.deliveries,
    )


def entry_millis(entry_id: str) -> int:
    return int(entry_id.partition("-")[0])


def id_after(entry_id: str) -> str:
    millis, _, seq = entry_id.partition("-")
    return f"{millis}-{int(seq or 0) + 1}"


def id_key(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)


def parse_entry(
    entry: OutboxEntry, *, max_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> OutboxEvent | Rejection:
    """Accepts an entry whose `event` field is an I-JSON revocation event a gateway can apply,
    or a notice of a known type (notice_events.py).

    The body is kept byte for byte; anything else is rejected with a reason code, and no input
    raises (a raise here would stop every entry behind this one).
    """
    try:
        return _parse(entry, max_bytes)
    except Exception as exc:
        fields = entry.fields or {}
        return _reject(entry, "unreadable", f"{type(exc).__name__}: {exc}"[:200], fields)


def _parse(entry: OutboxEntry, max_bytes: int) -> OutboxEvent | Rejection:
    fields = entry.fields
    if fields is None:
        return _reject(entry, "deleted", "the entry is no longer in the stream", {})
    body = fields.get(EVENT_FIELD)
    if body is None:
        return _reject(entry, "missing_event", "no 'event' field", fields)
    try:
        event = read_ijson(body, max_bytes=max_bytes)
    except NotIJson as exc:
        return _reject(entry, exc.reason, exc.detail, fields)
    if not isinstance(event, dict):
        return _reject(entry, "invalid_event", "the event is not a JSON object", fields)
    topic = event.get("type") if event.get("type") in NOTICE_TYPES else None
    problem = notice_problem(event) if topic else _event_problem(event)
    if problem:
        return _reject(entry, "invalid_event", problem, fields)
    return OutboxEvent(entry_id=entry.entry_id, body=body, topic=str(topic) if topic else None)


def _event_problem(event: dict[str, object]) -> str | None:
    if set(event) != _KEYS:
        return f"members must be exactly {sorted(_KEYS)}"
    if event.get("type") != "add":
        return f"unknown event type {event.get('type')!r}"[:200]
    for key in _TEXT_KEYS:
        value = event.get(key)
        if not isinstance(value, str) or not value:
            return f"'{key}' must be a non-empty string"
    for key in _TIME_KEYS:
        try:
            datetime.fromisoformat(str(event[key]).replace("Z", "+00:00"))
        except ValueError:
            return f"'{key}' is not an ISO 8601 time"
    return None


def _reject(
    entry: OutboxEntry, reason: str, detail: str, fields: Mapping[bytes, bytes]
) -> Rejection:
    return Rejection(
        entry_id=entry.entry_id,
        reason=reason,
        detail=detail,
        fields=fields,
        deliveries=entry.deliveries,
    )
