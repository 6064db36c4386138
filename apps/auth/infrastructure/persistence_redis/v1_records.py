"""v1's records of a refresh token (`schema.V1_TOKENS`, `schema.V1_META`), written from Python
when a session opens during the cut-over; the Lua scripts write the same records on rotation
and adoption (`register_refresh` in `helpers.lua`), with the same TTL rule."""

from __future__ import annotations

from datetime import datetime

from redis.asyncio.client import Pipeline

from apps.auth.domain.session import Session
from apps.auth.infrastructure.persistence_redis.schema import (
    V1_META,
    V1_TOKENS,
    V1TokenMeta,
    remaining_ttl,
)


def meta(session: Session, issued_at: datetime) -> str:
    return V1TokenMeta(
        device_id=session.client.device_id,
        user_agent=session.client.user_agent,
        issued_at=issued_at.timestamp(),
    ).encode()


def register(
    pipe: Pipeline, session: Session, refresh_jti: str, refresh_expires_at: datetime
) -> None:
    now = session.last_used_at.timestamp()
    ttl = remaining_ttl(refresh_expires_at.timestamp(), now)
    user_key = V1_TOKENS.of(session.user_id)
    pipe.sadd(user_key, refresh_jti)
    pipe.expire(user_key, ttl)
    pipe.set(V1_META.of(refresh_jti), meta(session, session.last_used_at), ex=ttl)
