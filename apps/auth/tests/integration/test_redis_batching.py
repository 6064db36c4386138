from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from apps.auth.domain.errors import StorageUnavailable
from apps.auth.infrastructure.persistence_redis.batching import BatchedScript
from apps.auth.infrastructure.turn_batcher import TurnBatcher
from apps.auth.tests.support import REDIS_URL

# Appends ARGV[1] to a list and answers with the list's new length and the value;
# the value "fail" makes the script refuse, for that call alone.
_APPEND = """
if ARGV[1] == 'fail' then return redis.error_reply('refused ' .. ARGV[1]) end
local length = redis.call('RPUSH', KEYS[1], ARGV[1])
return {length, ARGV[1]}
"""


@pytest_asyncio.fixture
async def client() -> AsyncIterator[Redis]:
    redis = Redis.from_url(REDIS_URL)
    yield redis
    await redis.aclose()


class _CountingRedis(Redis):
    """Counts pipelines, i.e. round trips of batched script calls."""

    pipelines = 0

    def pipeline(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        type(self).pipelines += 1
        return super().pipeline(*args, **kwargs)


async def test_calls_in_one_turn_share_one_round_trip_and_each_gets_its_own_answer() -> None:
    redis = _CountingRedis.from_url(REDIS_URL)
    key = f"test:batch:{uuid.uuid4().hex}"
    script = BatchedScript(redis=redis, source=_APPEND)
    try:
        await script([key], ["warm"])
        _CountingRedis.pipelines = 0
        replies = await asyncio.gather(*(script([key], [f"v{i}"]) for i in range(50)))
        assert _CountingRedis.pipelines == 1
        assert [r[1] for r in replies] == [f"v{i}".encode() for i in range(50)]
        assert sorted(r[0] for r in replies) == list(range(2, 52))
        assert await redis.lrange(key, 1, -1) == [f"v{i}".encode() for i in range(50)]
    finally:
        await redis.delete(key)
        await redis.aclose()


async def test_large_batches_are_split(client: Redis) -> None:
    key = f"test:batch:{uuid.uuid4().hex}"
    script = BatchedScript(redis=client, source=_APPEND, max_batch=7)
    try:
        replies = await asyncio.gather(*(script([key], [str(i)]) for i in range(30)))
        assert sorted(r[0] for r in replies) == list(range(1, 31))
    finally:
        await client.delete(key)


async def test_a_failing_call_fails_alone(client: Redis) -> None:
    key = f"test:batch:{uuid.uuid4().hex}"
    script = BatchedScript(redis=client, source=_APPEND)
    try:
        results = await asyncio.gather(
            script([key], ["a"]),
            script([key], ["fail"]),
            script([key], ["b"]),
            return_exceptions=True,
        )
        assert isinstance(results[1], ResponseError) and "refused fail" in str(results[1])
        assert [r[1] for r in (results[0], results[2])] == [b"a", b"b"]  # type: ignore[index]
        assert await client.lrange(key, 0, -1) == [b"a", b"b"]
    finally:
        await client.delete(key)


async def test_script_is_reloaded_after_the_server_forgets_it(client: Redis) -> None:
    key = f"test:batch:{uuid.uuid4().hex}"
    script = BatchedScript(redis=client, source=_APPEND)
    try:
        await script([key], ["first"])
        await client.script_flush()
        replies = await asyncio.gather(script([key], ["x"]), script([key], ["y"]))
        assert [r[1] for r in replies] == [b"x", b"y"]
        assert await client.llen(key) == 3
    finally:
        await client.delete(key)


async def test_unreachable_redis_fails_every_caller_with_storage_unavailable() -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    script = BatchedScript(redis=redis, source=_APPEND)
    try:
        results = await asyncio.gather(
            *(script(["k"], [str(i)]) for i in range(5)), return_exceptions=True
        )
        assert all(isinstance(r, StorageUnavailable) for r in results)
    finally:
        await redis.aclose()


async def test_a_batch_answered_with_the_wrong_length_fails_closed() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:-1]

    batcher: TurnBatcher[int, int] = TurnBatcher(run=short)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, StorageUnavailable) for r in results)


async def test_a_cancelled_caller_leaves_the_rest_of_its_batch_answered() -> None:
    release = asyncio.Event()

    async def slow(items: list[int]) -> list[int]:
        await release.wait()
        return [i * 10 for i in items]

    batcher: TurnBatcher[int, int] = TurnBatcher(run=slow)
    tasks = [asyncio.create_task(batcher.submit(i)) for i in range(3)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    tasks[1].cancel()
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[0] == 0 and results[2] == 20
    assert isinstance(results[1], asyncio.CancelledError)
