"""One round trip to a store for the requests of one event-loop turn (Redis scripts and
revocation checks, Postgres existence checks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar, Union

from apps.auth.domain.errors import StorageUnavailable

T = TypeVar("T")
R = TypeVar("R")

Outcome = Union[R, Exception]  # noqa: UP007 - a generic alias needs Union at runtime


class TurnBatcher(Generic[T, R]):
    """Requests that arrive in the same event-loop turn share one round trip to a store.

    `run` receives the batch and returns one outcome per item, in order: a value, or an
    exception for that item alone. If `run` itself fails, every caller in the batch gets
    `StorageUnavailable`, so nothing is ever reported as done that the store did not confirm.
    """

    def __init__(
        self, *, run: Callable[[list[T]], Awaitable[Sequence[Outcome[R]]]], max_batch: int = 256
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.append((item, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._dispatch)
        return await future

    def _dispatch(self) -> None:
        waiting, self._waiting = self._waiting, []
        loop = asyncio.get_running_loop()
        for start in range(0, len(waiting), self._max_batch):
            task = loop.create_task(self._answer(waiting[start : start + self._max_batch]))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _answer(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            outcomes = await self._run([item for item, _ in batch])
            if len(outcomes) != len(batch):
                raise StorageUnavailable("a store answered a batch with the wrong length")
        except BaseException as error:
            failure = error if isinstance(error, StorageUnavailable) else StorageUnavailable()
            for _, future in batch:
                if not future.done():
                    future.set_exception(failure)
            if not isinstance(error, Exception):
                raise
            return
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
