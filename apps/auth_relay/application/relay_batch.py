from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from apps.auth_relay.application.entries import (
    OutboxEntry,
    OutboxEvent,
    Rejection,
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
    origin: BatchOrigin
    fetched: int
    relayed: int
    rejected: tuple[Rejection, ...]
    next_claim_start: str = SWEEP_DONE


class RelayBatchInteractor:
    """Carries one batch of outbox entries to the broker.

    An entry is acknowledged only after the broker confirmed it; when the broker fails
    part-way, only the confirmed prefix is acknowledged so the rest is retried in order.
    A malformed entry is dead-lettered in the same step and never holds up the others.
    """

    def __init__(self, *, source: OutboxSource, publisher: EventPublisher) -> None:
        self._source = source
        self._publisher = publisher

    async def execute(self, request: RelayBatchRequest) -> RelayBatchResult:
        entries, next_start = await self._fetch(request)
        events: list[OutboxEvent] = []
        rejected: list[Rejection] = []
        for entry in entries:
            parsed = parse_entry(entry)
            if isinstance(parsed, OutboxEvent):
                events.append(parsed)
            else:
                rejected.append(parsed)
        if events:
            try:
                await self._publisher.publish(events)
            except BrokerUnavailable as exc:
                confirmed = [event.entry_id for event in events[: exc.confirmed]]
                await self._source.settle(confirmed, rejected)
                raise
        if entries:
            await self._source.settle([event.entry_id for event in events], rejected)
        return RelayBatchResult(
            origin=request.origin,
            fetched=len(entries),
            relayed=len(events),
            rejected=tuple(rejected),
            next_claim_start=next_start,
        )

    async def _fetch(self, request: RelayBatchRequest) -> tuple[list[OutboxEntry], str]:
        if request.origin is BatchOrigin.OWN_PENDING:
            return await self._source.read_own_pending(request.limit), SWEEP_DONE
        if request.origin is BatchOrigin.STALE:
            claimed = await self._source.claim_stale(request.claim_start, request.limit)
            return claimed.entries, claimed.next_start
        return await self._source.read_new(request.limit), SWEEP_DONE
