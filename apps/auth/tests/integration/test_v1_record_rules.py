"""v1's `token:meta` record is written by Python (a session opening) and by Lua (rotation,
adoption): both give the same JSON and the same TTL, rounded up, for the same token and time."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from apps.auth.domain.session import ClientInfo, Session
from apps.auth.infrastructure.persistence_redis import v1_records
from apps.auth.infrastructure.persistence_redis.lua_prelude import HELPERS, constants
from apps.auth.infrastructure.persistence_redis.schema import (
    SESSION,
    V1_META,
    V1_TOKENS,
    remaining_ttl,
)

LUA_REGISTER = (
    constants()
    + "local LEEWAY = 0\n"
    + HELPERS
    + """
LEGACY = true
local now = tonumber(ARGV[4])
register_refresh(ARGV[1], ARGV[2], ARGV[3], now, v1_meta(KEYS[1], now))
return redis.call('TTL', KEY_V1_META .. ARGV[2])
"""
)


async def test_python_and_lua_write_the_same_v1_record_with_the_ttl_rounded_up(
    redis: Redis,
) -> None:
    # 0.7 s into a second: `int` would cut a second off the token's remaining 9.3 s.
    now = datetime(2026, 12, 7, 12, 0, 0, 700_000, tzinfo=UTC)
    expires = now.replace(microsecond=0) + timedelta(seconds=10)
    user = uuid.uuid4()
    session = Session(
        id=uuid.uuid4().hex,
        user_id=user,
        provider="kakao",
        client=ClientInfo(ip="192.0.2.7", user_agent='Mozilla/5.0 "q" é', device_id="dev-1"),
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=1),
    )
    by_python, by_lua = uuid.uuid4().hex, uuid.uuid4().hex
    async with redis.pipeline(transaction=True) as pipe:
        v1_records.register(pipe, session, by_python, expires)
        await pipe.execute()
    session_key = SESSION.of(session.id)
    await redis.hset(session_key, mapping={"device": "dev-1", "ua": 'Mozilla/5.0 "q" é'})
    try:
        lua_ttl = await redis.eval(
            LUA_REGISTER, 1, session_key, str(user), by_lua, expires.timestamp(), now.timestamp()
        )
        assert remaining_ttl(expires.timestamp(), now.timestamp()) == 10
        assert lua_ttl == await redis.ttl(V1_META.of(by_python)) == 10
        python_meta = json.loads(await redis.get(V1_META.of(by_python)))
        lua_meta = json.loads(await redis.get(V1_META.of(by_lua)))
        assert lua_meta == python_meta
        assert python_meta == {
            "device_id": "dev-1",
            "user_agent": 'Mozilla/5.0 "q" é',
            "issued_at": int(now.timestamp()),
        }
        members = await redis.smembers(V1_TOKENS.of(user))
        assert members == {by_python.encode(), by_lua.encode()}
    finally:
        await redis.delete(
            session_key, V1_TOKENS.of(user), V1_META.of(by_python), V1_META.of(by_lua)
        )
