from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from apps.auth_relay.application.backoff import Backoff
from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.application.relay_batch import RelayBatchInteractor
from apps.auth_relay.application.trim_outbox import TrimOutboxInteractor
from apps.auth_relay.application.worker import RelayWorker, WorkerPolicy
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.fakes import (
    FakeClock,
    FakePublisher,
    InMemoryOutbox,
    InMemoryRetention,
    RecordingObserver,
)


class Harness:
    def __init__(self, *, backoff_initial: float = 0.001, backoff_max: float = 0.01) -> None:
        self.clock = FakeClock()
        self.outbox = InMemoryOutbox(clock=self.clock)
        self.publisher = FakePublisher()
        self.observer = RecordingObserver()
        self.worker = RelayWorker(
            relay=RelayBatchInteractor(
                source=self.outbox.consumer("me", claim_idle=1.0), publisher=self.publisher
            ),
            trim=TrimOutboxInteractor(retention=InMemoryRetention([], []), clock=self.clock),
            observer=self.observer,
            clock=self.clock,
            backoff=Backoff(initial=backoff_initial, maximum=backoff_max, jitter=lambda: 0.5),
            policy=WorkerPolicy(
                group="relay", batch_size=2, claim_interval_seconds=0.5, trim_interval_seconds=1
            ),
        )
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(self.worker.run(self.stop))

    async def until(self, condition: Callable[[], bool], seconds: float = 3.0) -> None:
        async with asyncio.timeout(seconds):
            while not condition():
                await asyncio.sleep(0.002)

    async def finish(self) -> None:
        self.stop.set()
        async with asyncio.timeout(2):
            await self.task

    def published_ids(self) -> list[str]:
        return [event.entry_id for event in self.publisher.published]


async def test_every_entry_relayed_in_order_when_the_backlog_spans_batches() -> None:
    h = Harness()
    ids = [h.outbox.add(event_fields()) for _ in range(7)]

    await h.until(lambda: len(h.outbox.acked) == 7)
    await h.finish()

    assert h.published_ids() == ids
    assert h.observer.states == [WorkerState.RELAYING, WorkerState.STOPPED]
    assert h.worker.state is WorkerState.STOPPED


async def test_logged_once_per_state_change_when_the_broker_stays_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="apps.auth_relay.worker")
    h = Harness()
    h.publisher.down = True
    ids = [h.outbox.add(event_fields()) for _ in range(3)]

    await h.until(lambda: len(h.observer.failures) >= 5)
    h.publisher.down = False
    await h.until(lambda: len(h.outbox.acked) == 3)
    await h.finish()

    messages = [record.getMessage() for record in caplog.records]
    assert sum(m.startswith("relay paused") for m in messages) == 1
    assert sum(m == "relay resumed" for m in messages) == 1
    assert h.published_ids() == ids
    assert WorkerState.BROKER_UNAVAILABLE in h.observer.states


async def test_own_pending_entries_retried_first_when_the_broker_failed_midway() -> None:
    h = Harness()
    h.publisher.confirm_only = 1
    first = [h.outbox.add(event_fields()) for _ in range(2)]
    await h.until(lambda: h.observer.failures != [])
    later = [h.outbox.add(event_fields()) for _ in range(2)]

    await h.until(lambda: len(h.outbox.acked) == 4)
    await h.finish()

    assert h.published_ids() == first + later
    assert h.observer.failures == [(2, 1)]


async def test_resumes_by_itself_when_the_outbox_comes_back() -> None:
    h = Harness()
    h.outbox.down = True
    await h.until(lambda: h.worker.state is WorkerState.OUTBOX_UNAVAILABLE)
    entry = h.outbox.add(event_fields())

    h.outbox.down = False
    await h.until(lambda: h.outbox.acked == [entry])
    await h.finish()

    assert h.worker.state is WorkerState.STOPPED


async def test_stops_promptly_when_stopped_during_a_long_backoff() -> None:
    h = Harness(backoff_initial=30, backoff_max=30)
    h.publisher.down = True
    h.outbox.add(event_fields())
    await h.until(lambda: h.observer.failures != [])

    await h.finish()

    assert h.task.done()


async def test_stale_entries_reclaimed_when_their_consumer_went_silent() -> None:
    h = Harness()
    stale = [h.outbox.add(event_fields()) for _ in range(2)]
    await h.outbox.consumer("crashed").read_new(10)

    h.clock.advance(2)
    await h.until(lambda: len(h.outbox.acked) == 2)
    await h.finish()

    assert sorted(h.published_ids()) == sorted(stale)


async def test_outbox_inspected_when_the_trim_interval_passed() -> None:
    h = Harness()
    await h.until(lambda: len(h.observer.inspections) >= 1)
    h.clock.advance(1.5)
    await h.until(lambda: len(h.observer.inspections) >= 2)
    await h.finish()
