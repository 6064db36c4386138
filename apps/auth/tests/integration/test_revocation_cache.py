from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from redis.asyncio import Redis

from apps.auth.application.token.ports import RevocationRequest
from apps.auth.domain.token import Revocation, TokenClaims, TokenType
from apps.auth.infrastructure.persistence_redis.redis_revocation_checker import (
    RedisRevocationChecker,
)
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.infrastructure.persistence_redis.revocation_cache import CachedRevocationChecker
from apps.auth.tests.support import REDIS_URL


def _claims() -> TokenClaims:
    now = datetime.now(UTC)
    return TokenClaims(
        sub=uuid.uuid4(),
        jti=uuid.uuid4().hex,
        type=TokenType.ACCESS,
        provider="dev",
        sid=uuid.uuid4().hex,
        issued_at=now - timedelta(seconds=5),
        expires_at=now + timedelta(minutes=10),
    )


async def _subscribed(cache: CachedRevocationChecker) -> None:
    for _ in range(100):
        if cache._subscribed:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("listener did not subscribe")


@pytest_asyncio.fixture
async def replicas():
    clients = [Redis.from_url(REDIS_URL) for _ in range(2)]
    caches = [CachedRevocationChecker(c, RedisRevocationChecker(c), ttl=1.0) for c in clients]
    for cache in caches:
        cache.start()
        await _subscribed(cache)
    stream = f"test:cache:{uuid.uuid4().hex}"
    yield clients, caches, stream
    for cache in caches:
        await cache.stop()
    await clients[0].delete(stream)
    for client in clients:
        await client.aclose()


async def test_own_revocation_is_refused_at_once_when_answer_was_cached(replicas):
    clients, (one, _), stream = replicas
    store = RedisRevocationStore(clients[0], stream=stream, maxlen=1000, on_revoked=one.forget)
    claims = _claims()
    assert await one.is_revoked(claims) is False
    revocation = Revocation(
        jti=claims.jti, user_id=claims.sub, expires_at=claims.expires_at, reason="logout"
    )
    await store.revoke(RevocationRequest(revocations=[revocation]), datetime.now(UTC))
    assert await one.is_revoked(claims) is True


async def test_other_replica_refuses_within_one_second_when_answer_was_cached(replicas):
    clients, (one, two), stream = replicas
    store = RedisRevocationStore(clients[0], stream=stream, maxlen=1000, on_revoked=one.forget)
    claims = _claims()
    assert await two.is_revoked(claims) is False
    revoked_at = time.monotonic()
    revocation = Revocation(
        jti=claims.jti, user_id=claims.sub, expires_at=claims.expires_at, reason="logout"
    )
    await store.revoke(RevocationRequest(revocations=[revocation]), datetime.now(UTC))
    while not await two.is_revoked(claims):
        assert time.monotonic() - revoked_at < 1.0
        await asyncio.sleep(0.005)


async def test_logout_all_clears_every_cached_answer_on_other_replica(replicas):
    clients, (one, two), stream = replicas
    store = RedisRevocationStore(clients[0], stream=stream, maxlen=1000, on_revoked=one.forget)
    claims = _claims()
    assert await two.is_revoked(claims) is False
    await store.revoke(
        RevocationRequest(not_before_user=claims.sub, reason="logout_all"), datetime.now(UTC)
    )
    started = time.monotonic()
    while not await two.is_revoked(claims):
        assert time.monotonic() - started < 1.0
        await asyncio.sleep(0.005)


async def test_cache_stays_off_when_listener_not_running():
    client = Redis.from_url(REDIS_URL)
    try:
        cache = CachedRevocationChecker(client, RedisRevocationChecker(client), ttl=1.0)
        claims = _claims()
        assert await cache.is_revoked(claims) is False
        await client.set(f"blacklist:{claims.jti}", "1", ex=60)
        assert await cache.is_revoked(claims) is True
    finally:
        await client.aclose()
