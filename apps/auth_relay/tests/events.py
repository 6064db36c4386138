from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from apps.auth.domain.revocation_event import encode_event
from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.persistence_redis.schema import OUTBOX_EVENT_FIELD

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def revocation(
    jti: str | None = None, *, now: datetime = NOW, ttl_seconds: int = 600
) -> Revocation:
    return Revocation(
        jti=jti or uuid.uuid4().hex,
        user_id=uuid.uuid4(),
        expires_at=now + timedelta(seconds=ttl_seconds),
        reason="logout",
    )


def event_body(jti: str | None = None) -> bytes:
    return encode_event(revocation(jti), NOW)


def event_fields(jti: str | None = None) -> dict[bytes, bytes]:
    return {OUTBOX_EVENT_FIELD.encode(): event_body(jti)}
