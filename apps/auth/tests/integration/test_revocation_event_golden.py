"""The outbox event is built by Python (memory store, tests) and by Lua (every Redis script);
gateways consume one format, so the two encoders must give the same bytes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from apps.auth.domain.revocation_event import encode_event, iso_utc
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.persistence_redis.lua_prelude import HELPERS, constants

LUA_EVENT = constants() + HELPERS + "\nreturn event(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])"
NOW = datetime(2026, 11, 29, 23, 59, 58, tzinfo=UTC)


@pytest.mark.parametrize("reason", list(RevocationReason))
async def test_lua_event_bytes_equal_python_encoder_when_encoding_the_same_revocation(
    redis: Redis, reason: RevocationReason
) -> None:
    revocation = Revocation(
        jti=uuid.uuid4().hex,
        user_id=uuid.uuid4(),
        expires_at=NOW + timedelta(minutes=15, microseconds=250_000),
        reason=reason,
    )
    from_lua = await redis.eval(
        LUA_EVENT,
        0,
        revocation.jti,
        str(revocation.user_id),
        iso_utc(revocation.expires_at),
        reason,
        iso_utc(NOW),
    )
    assert from_lua == encode_event(revocation, NOW)


def test_event_matches_the_published_contract_when_encoded() -> None:
    revocation = Revocation(
        jti="0123abcd",
        user_id=uuid.UUID("6a3c4f5e-0000-4000-8000-000000000001"),
        expires_at=NOW + timedelta(minutes=15),
        reason="logout",
    )
    assert encode_event(revocation, NOW) == (
        b'{"type":"add","jti":"0123abcd","user_id":"6a3c4f5e-0000-4000-8000-000000000001",'
        b'"expires_at":"2026-11-30T00:14:58Z","reason":"logout",'
        b'"timestamp":"2026-11-29T23:59:58Z"}'
    )
