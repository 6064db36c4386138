from __future__ import annotations

from redis.asyncio import Redis

from apps.auth_relay.application.trim_outbox import TrimOutboxInteractor, TrimOutboxRequest
from apps.auth_relay.infrastructure.redis_outbox_retention import RedisOutboxRetention
from apps.auth_relay.infrastructure.redis_outbox_source import RedisOutboxSource
from apps.auth_relay.infrastructure.system_clock import SystemClock
from apps.auth_relay.tests.integration.conftest import Names


async def _fill(redis: Redis, names: Names, count: int) -> list[str]:
    pipe = redis.pipeline(transaction=False)
    for n in range(count):
        pipe.xadd(names.stream, {"event": str(n)})
    return [entry_id.decode() for entry_id in await pipe.execute()]


def _trim(redis: Redis, names: Names) -> TrimOutboxInteractor:
    return TrimOutboxInteractor(
        retention=RedisOutboxRetention(redis=redis, stream=names.stream), clock=SystemClock()
    )


async def test_unacknowledged_entries_kept_when_acknowledged_ones_are_trimmed(
    redis: Redis, names: Names
) -> None:
    ids = await _fill(redis, names, 1000)
    source = RedisOutboxSource(
        redis=redis,
        stream=names.stream,
        group=names.group,
        consumer="a",
        dead_letter_stream=names.dead,
        dead_letter_maxlen=1000,
        block_ms=20,
        claim_idle_ms=1000,
    )
    delivered = await source.read_new(700)
    await source.settle([e.entry_id for e in delivered[:400]], [])

    result = await _trim(redis, names).execute(TrimOutboxRequest(group=names.group))

    remaining = [entry_id.decode() for entry_id, _ in await redis.xrange(names.stream)]
    assert result.trimmed > 0 and result.min_id == ids[400]
    assert remaining == ids[len(ids) - len(remaining) :]
    assert set(ids[400:]) <= set(remaining)
    assert result.backlog == 600 and result.lag_seconds >= 0


async def test_nothing_trimmed_when_the_stream_has_no_group(redis: Redis, names: Names) -> None:
    await _fill(redis, names, 300)

    result = await _trim(redis, names).execute(TrimOutboxRequest(group=names.group))

    assert result.trimmed == 0 and await redis.xlen(names.stream) == 300
