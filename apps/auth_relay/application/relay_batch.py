from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from apps.auth_relay.application.entries import (
    DEFAULT_MAX_EVENT_BYTES,
    OutboxEntry,
    OutboxEvent,
    Refusal,
    Rejection,
    give_up,
    parse_entry,
)
from apps.auth_relay.application.errors import BrokerUnavailable
from apps.auth_relay.application.ports import EventPublisher, OutboxSource

SWEEP_DONE = "0-0"


class BatchOrigin(StrEnum):
    OWN_PENDING = "own_pending"
    STALE = "stale"
    NEW = "new"


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayBatchRequest:
    origin: BatchOrigin
    limit: int
    claim_start: str = SWEEP_DONE


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayBatchResult:
    """`refused` lists every refusal of this batch; those not dead-lettered stay pending."""

    origin: BatchOrigin
    fetched: int
    relayed: int
    rejected: tuple[Rejection, ...]
    refused: tuple[Refusal, ...] = ()
    next_claim_start: str = SWEEP_DONE

    @property
    def settled(self) -> int:
        return self.relayed + len(self.rejected)

    @property
    def left_pending(self) -> int:
        return self.fetched - self.settled


class RelayBatchInteractor:
    """Carries one batch of outbox entries to the broker.

    An entry is acknowledged only after the broker confirmed it without returning it; when the
    broker fails part-way, only the answered prefix is settled so the rest is retried in order.
    A malformed entry is dead-lettered in the same step; an entry the broker refuses stays
    pending for a retry until it has been delivered `max_deliveries` times, then it is
    dead-lettered too. Neither holds up the others.
    """

    def __init__(
        self,
        *,
        source: OutboxSource,
        publisher: EventPublisher,
        max_deliveries: int,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._max_event_bytes = max_event_bytes
        self._source = source
        self._publisher = publisher
        self._max_deliveries = max_deliveries

    async def execute(self, request: RelayBatchRequest) -> RelayBatchResult:
        # Not reading while the broker is down keeps an outage out of the delivery counters.
        await self._publisher.connect()
        entries, next_start = await self._fetch(request)
        events: list[OutboxEvent] = []
        rejected: list[Rejection] = []
        for entry in entries:
            parsed = parse_entry(entry, max_bytes=self._max_event_bytes)
            if isinstance(parsed, OutboxEvent):
                events.append(parsed)
            else:
                rejected.append(parsed)
        refused = await self._publish(events, rejected)
        by_id = {entry.entry_id: entry for entry in entries}
        for refusal in refused:
            entry = by_id[refusal.entry_id]
            if entry.deliveries >= self._max_deliveries:
                rejected.append(give_up(entry, refusal))
        refused_ids = {refusal.entry_id for refusal in refused}
        delivered = [event.entry_id for event in events if event.entry_id not in refused_ids]
        if entries:
            await self._source.settle(delivered, rejected)
        return RelayBatchResult(
            origin=request.origin,
            fetched=len(entries),
            relayed=len(delivered),
            rejected=tuple(rejected),
            refused=tuple(refused),
            next_claim_start=next_start,
        )

    async def _publish(self, events: list[OutboxEvent], rejected: list[Rejection]) -> list[Refusal]:
        if not events:
            return []
        try:
            return await self._publisher.publish(events)
        except BrokerUnavailable as exc:
            refused_ids = {refusal.entry_id for refusal in exc.refused}
            answered = events[: exc.answered]
            confirmed = [event.entry_id for event in answered if event.entry_id not in refused_ids]
            await self._source.settle(confirmed, rejected)
            raise

    async def _fetch(self, request: RelayBatchRequest) -> tuple[list[OutboxEntry], str]:
        if request.origin is BatchOrigin.OWN_PENDING:
            return await self._source.read_own_pending(request.limit), SWEEP_DONE
        if request.origin is BatchOrigin.STALE:
            claimed = await self._source.claim_stale(request.claim_start, request.limit)
            return claimed.entries, claimed.next_start
        return await self._source.read_new(request.limit), SWEEP_DONE
