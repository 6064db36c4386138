from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from apps.auth_relay.application.backoff import Backoff, RetrySchedule
from apps.auth_relay.application.errors import BrokerUnavailable, OutboxUnavailable, RelayError
from apps.auth_relay.application.ports import Clock, RelayObserver, WorkerState
from apps.auth_relay.application.relay_batch import (
    SWEEP_DONE,
    BatchOrigin,
    RelayBatchInteractor,
    RelayBatchRequest,
    RelayBatchResult,
)
from apps.auth_relay.application.trim_outbox import TrimOutboxInteractor, TrimOutboxRequest
from apps.auth_relay.application.worker_state import StateLog

logger = logging.getLogger("apps.auth_relay.worker")


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerPolicy:
    group: str
    batch_size: int
    claim_interval_seconds: float
    trim_interval_seconds: float


class RelayWorker:
    """Relays until stopped: own pending entries first, then stale ones, then new ones.

    On an outage it backs off and re-reads its own pending entries before anything new,
    so it keeps its place; each state change is logged once, not every attempt. Entries the
    broker refused wait on their own backoff while new entries keep flowing.
    """

    def __init__(
        self,
        *,
        relay: RelayBatchInteractor,
        trim: TrimOutboxInteractor,
        observer: RelayObserver,
        clock: Clock,
        backoff: Backoff,
        retry: RetrySchedule,
        policy: WorkerPolicy,
    ) -> None:
        self._relay = relay
        self._trim = trim
        self._observer = observer
        self._clock = clock
        self._backoff = backoff
        self._retry = retry
        self._policy = policy
        self._states = StateLog(observer=observer, clock=clock, backoff=backoff)
        self._recovering = True
        self._claim_start: str | None = None
        self._next_claim = 0.0
        self._next_trim = 0.0
        self.last_beat = clock.monotonic()

    @property
    def state(self) -> WorkerState:
        return self._states.state

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.last_beat = self._clock.monotonic()
            try:
                await self._step()
            except (OutboxUnavailable, BrokerUnavailable) as exc:
                self._fail(exc)
                await _sleep_unless(stop, self._backoff.next_delay())
                continue
            self._states.enter(WorkerState.RELAYING)
            self._backoff.reset()
        self._states.enter(WorkerState.STOPPED)

    async def _step(self) -> None:
        now = self._clock.monotonic()
        if self._recovering:
            result = await self._relay_batch(BatchOrigin.OWN_PENDING)
            self._recovering = result.settled > 0 and result.left_pending == 0
        elif self._retry.due(now):
            result = await self._relay_batch(BatchOrigin.OWN_PENDING)
            self._retry.retried(now, left_pending=result.left_pending)
        elif self._claim_start is not None or now >= self._next_claim:
            await self._relay_batch(BatchOrigin.STALE, self._claim_start or SWEEP_DONE)
            if self._claim_start is None:
                self._next_claim = now + self._policy.claim_interval_seconds
        elif now >= self._next_trim:
            trimmed = await self._trim.execute(TrimOutboxRequest(group=self._policy.group))
            self._observer.outbox_inspected(trimmed)
            self._next_trim = now + self._policy.trim_interval_seconds
        else:
            await self._relay_batch(BatchOrigin.NEW)

    async def _relay_batch(
        self, origin: BatchOrigin, claim_start: str = SWEEP_DONE
    ) -> RelayBatchResult:
        request = RelayBatchRequest(
            origin=origin, limit=self._policy.batch_size, claim_start=claim_start
        )
        try:
            result = await self._relay.execute(request)
        except BrokerUnavailable as exc:
            self._observer.batch_failed(exc.attempted, exc.confirmed)
            raise
        if origin is BatchOrigin.STALE:
            done = result.next_claim_start == SWEEP_DONE
            self._claim_start = None if done else result.next_claim_start
        for rejection in result.rejected:
            logger.warning(
                "entry dead-lettered: %s",
                rejection.detail,
                extra={"entry_id": rejection.entry_id, "reason": rejection.reason},
            )
        if result.left_pending:
            self._retry.refused(self._clock.monotonic())
            logger.warning(
                "broker refused %d entries: kept for a retry",
                result.left_pending,
                extra={"reasons": sorted({refusal.reason for refusal in result.refused})},
            )
        self._observer.batch_settled(result)
        return result

    def _fail(self, exc: RelayError) -> None:
        self._recovering = True
        state = (
            WorkerState.BROKER_UNAVAILABLE
            if isinstance(exc, BrokerUnavailable)
            else WorkerState.OUTBOX_UNAVAILABLE
        )
        self._states.enter(state, exc)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
