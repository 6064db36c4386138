from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from apps.auth_relay.application.backoff import Backoff, RetrySchedule
from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.application.relay_batch import RelayBatchInteractor
from apps.auth_relay.application.trim_outbox import TrimOutboxInteractor
from apps.auth_relay.application.worker import RelayWorker, WorkerPolicy
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.fakes import FakeClock, FakePublisher, RecordingObserver
from apps.auth_relay.tests.memory_outbox import InMemoryOutbox


class Harness:
    def __init__(
        self,
        *,
        backoff_initial: float = 0.001,
        backoff_max: float = 0.01,
        retry_initial: float = 0.001,
        max_deliveries: int = 3,
    ) -> None:
        self.clock = FakeClock()
        self.outbox = InMemoryOutbox(self.clock)
        self.publisher = FakePublisher()
        self.observer = RecordingObserver()
        self.worker = RelayWorker(
            relay=RelayBatchInteractor(
                source=self.outbox.consumer("me", claim_idle_ms=1000),
                publisher=self.publisher,
                max_deliveries=max_deliveries,
            ),
            trim=TrimOutboxInteractor(retention=self.outbox.retention(), clock=self.clock),
            observer=self.observer,
            clock=self.clock,
            backoff=Backoff(initial=backoff_initial, maximum=backoff_max, jitter=lambda: 0.5),
            retry=RetrySchedule(
                backoff=Backoff(
                    initial=retry_initial, maximum=retry_initial * 4, jitter=lambda: 1.0
                )
            ),
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


async def test_new_entries_flow_while_a_refused_one_waits_for_its_retry() -> None:
    h = Harness(retry_initial=10)
    poison = h.outbox.add(event_fields())
    h.publisher.refusing = {poison}
    await h.until(lambda: h.publisher.attempts.get(poison) == 1)

    later = [h.outbox.add(event_fields()) for _ in range(3)]
    await h.until(lambda: len(h.outbox.acked) == 3)
    assert h.publisher.attempts[poison] == 1 and list(h.outbox.pending) == [poison]

    h.clock.advance(10)
    await h.until(lambda: h.publisher.attempts[poison] == 2)
    await h.finish()

    assert h.published_ids() == later
    assert h.worker.state is WorkerState.STOPPED


async def test_dead_lettered_after_max_deliveries_when_the_broker_keeps_refusing() -> None:
    h = Harness(retry_initial=1, max_deliveries=3)
    poison = h.outbox.add(event_fields())
    h.publisher.refusing = {poison}

    for attempt in (1, 2, 3):
        await h.until(lambda n=attempt: h.publisher.attempts.get(poison) == n)
        h.clock.advance(4)
    await h.until(lambda: h.outbox.dead != [])
    await h.finish()

    [rejection] = h.outbox.dead
    assert (rejection.entry_id, rejection.reason, rejection.deliveries) == (poison, "nacked", 3)
    assert h.publisher.attempts[poison] == 3 and h.outbox.pending == {}
    assert WorkerState.BROKER_UNAVAILABLE not in h.observer.states


async def test_delivered_when_the_broker_takes_a_refused_entry_on_a_retry() -> None:
    h = Harness(retry_initial=1, max_deliveries=5)
    entry = h.outbox.add(event_fields())
    h.publisher.unbound = True
    await h.until(lambda: h.publisher.attempts.get(entry) == 1)

    h.publisher.unbound = False
    h.clock.advance(2)
    await h.until(lambda: h.outbox.acked == [entry])
    await h.finish()

    assert h.published_ids() == [entry] and h.outbox.dead == []
