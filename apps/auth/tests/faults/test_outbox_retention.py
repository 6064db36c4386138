"""The outbox keeps every undelivered event: retention is the relay's (it trims only what it
delivered); the producer caps the stream only when an operator sets AUTH_OUTBOX_MAXLEN, and the
cap is exposed for alerting."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from apps.auth.application.common.token_ports import RevocationRequest
from apps.auth.domain.token import Revocation
from apps.auth.infrastructure.persistence_redis.redis_revocation_store import RedisRevocationStore
from apps.auth.setup.settings import Settings


async def test_no_undelivered_event_is_dropped_when_the_backlog_outgrows_any_old_cap(
    redis: Redis, stream_name: str
) -> None:
    store = RedisRevocationStore(redis=redis, stream=stream_name, maxlen=Settings().outbox_maxlen)
    now = datetime.now(UTC)
    user = uuid.uuid4()
    batch = [
        Revocation(
            jti=uuid.uuid4().hex,
            user_id=user,
            expires_at=now + timedelta(minutes=5),
            reason="logout",
        )
        for _ in range(1_500)
    ]
    try:
        for start in range(0, len(batch), 500):
            await store.revoke(RevocationRequest(revocations=batch[start : start + 500]), now)
        assert await redis.xlen(stream_name) == 1_500
        first = await redis.xrange(stream_name, count=1)
        assert batch[0].jti.encode() in first[0][1][b"event"]
    finally:
        await redis.delete(stream_name, *(f"blacklist:{r.jti}" for r in batch))


async def test_cap_is_exposed_for_alerting_when_an_operator_sets_one(app_factory) -> None:
    async with app_factory(outbox_maxlen=250_000) as api:
        metrics = (await api.client.get("/metrics")).text
    assert "auth_outbox_cap 250000.0" in metrics


async def test_cap_reads_zero_when_left_off(api) -> None:
    metrics = (await api.client.get("/metrics")).text
    assert "auth_outbox_cap 0.0" in metrics
