from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from apps.auth.infrastructure.persistence_redis.errors import redis_call
from apps.auth.infrastructure.turn_batcher import TurnBatcher

ScriptCall = tuple[Sequence[Any], Sequence[Any]]


class BatchedScript:
    """One Lua script whose calls in the same loop turn go out as one pipeline.

    Each call is still its own atomic script run; only the network round trip is shared.
    """

    def __init__(self, *, redis: Redis, source: str, max_batch: int = 256) -> None:
        self._redis = redis
        self._script: AsyncScript = redis.register_script(source)
        self._batcher: TurnBatcher[ScriptCall, Any] = TurnBatcher(
            run=self._run, max_batch=max_batch
        )

    async def __call__(self, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        return await self._batcher.submit((keys, args))

    @redis_call
    async def _run(self, calls: list[ScriptCall]) -> list[Any]:
        outcomes = await self._pipeline(calls)
        missing = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, NoScriptError)]
        if missing:
            self._script.sha = await self._redis.script_load(self._script.script)
            retried = await self._pipeline([calls[i] for i in missing])
            for index, outcome in zip(missing, retried, strict=True):
                outcomes[index] = outcome
        return outcomes

    async def _pipeline(self, calls: list[ScriptCall]) -> list[Any]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for keys, args in calls:
                pipe.evalsha(self._script.sha, len(keys), *keys, *args)
            outcomes: list[Any] = await pipe.execute(raise_on_error=False)
        return outcomes
