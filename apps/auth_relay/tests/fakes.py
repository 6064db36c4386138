from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.auth_relay.application.entries import OutboxEntry, OutboxEvent, Rejection, id_key
from apps.auth_relay.application.errors import BrokerUnavailable, OutboxUnavailable
from apps.auth_relay.application.ports import Claimed, GroupPosition, WorkerState
from apps.auth_relay.application.relay_batch import RelayBatchResult
from apps.auth_relay.application.trim_outbox import TrimOutboxResult


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.wall = now
        self.mono = 0.0

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@dataclass
class _Pending:
    consumer: str
    delivered_at: float


@dataclass
class InMemoryOutbox:
    """A stream with one consumer group, shared by the in-memory consumers built from it."""

    clock: FakeClock
    entries: list[tuple[str, dict[bytes, bytes] | None]] = field(default_factory=list)
    last_delivered: str = "0-0"
    pending: dict[str, _Pending] = field(default_factory=dict)
    acked: list[str] = field(default_factory=list)
    dead: list[Rejection] = field(default_factory=list)
    down: bool = False
    _seq: int = 0

    def add(self, fields: dict[bytes, bytes] | None) -> str:
        self._seq += 1
        entry_id = f"{int(self.clock.now() * 1000)}-{self._seq}"
        self.entries.append((entry_id, fields))
        return entry_id

    def consumer(self, name: str, *, claim_idle: float = 1.0) -> InMemoryOutboxSource:
        return InMemoryOutboxSource(self, name, claim_idle)

    def check(self) -> None:
        if self.down:
            raise OutboxUnavailable("redis: down")

    def fields_of(self, entry_id: str) -> dict[bytes, bytes] | None:
        return next(fields for each, fields in self.entries if each == entry_id)


class InMemoryOutboxSource:
    def __init__(self, outbox: InMemoryOutbox, name: str, claim_idle: float) -> None:
        self.outbox = outbox
        self.name = name
        self.claim_idle = claim_idle

    async def read_own_pending(self, count: int) -> list[OutboxEntry]:
        self.outbox.check()
        mine = [i for i, p in self.outbox.pending.items() if p.consumer == self.name]
        return [self._deliver(i) for i in sorted(mine, key=id_key)[:count]]

    async def read_new(self, count: int) -> list[OutboxEntry]:
        self.outbox.check()
        last = id_key(self.outbox.last_delivered)
        fresh = [i for i, _ in self.outbox.entries if id_key(i) > last][:count]
        if fresh:
            self.outbox.last_delivered = fresh[-1]
        else:
            await asyncio.sleep(0.001)
        return [self._deliver(i) for i in fresh]

    async def claim_stale(self, start: str, count: int) -> Claimed:
        self.outbox.check()
        now = self.outbox.clock.monotonic()
        stale = sorted(
            (
                i
                for i, p in self.outbox.pending.items()
                if now - p.delivered_at >= self.claim_idle and id_key(i) >= id_key(start)
            ),
            key=id_key,
        )
        return Claimed(entries=[self._deliver(i) for i in stale[:count]], next_start="0-0")

    async def settle(self, delivered: Sequence[str], rejected: Sequence[Rejection]) -> None:
        self.outbox.check()
        self.outbox.dead.extend(rejected)
        for entry_id in [*delivered, *(r.entry_id for r in rejected)]:
            if self.outbox.pending.pop(entry_id, None) is not None:
                self.outbox.acked.append(entry_id)

    def _deliver(self, entry_id: str) -> OutboxEntry:
        now = self.outbox.clock.monotonic()
        self.outbox.pending[entry_id] = _Pending(consumer=self.name, delivered_at=now)
        return OutboxEntry(entry_id=entry_id, fields=self.outbox.fields_of(entry_id))


class InMemoryRetention:
    def __init__(self, groups: list[GroupPosition], entry_ids: list[str]) -> None:
        self.positions = groups
        self.entry_ids = entry_ids
        self.trimmed_before: str | None = None

    async def groups(self) -> list[GroupPosition]:
        return self.positions

    async def first_id_after(self, entry_id: str) -> str | None:
        return next((i for i in self.entry_ids if id_key(i) > id_key(entry_id)), None)

    async def trim_before(self, min_id: str) -> int:
        self.trimmed_before = min_id
        kept = [i for i in self.entry_ids if id_key(i) >= id_key(min_id)]
        dropped = len(self.entry_ids) - len(kept)
        self.entry_ids = kept
        return dropped


class FakePublisher:
    """Confirms everything unless `down`, or confirms `confirm_only` events and then fails."""

    def __init__(self) -> None:
        self.published: list[OutboxEvent] = []
        self.down = False
        self.confirm_only: int | None = None

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        if self.down:
            raise BrokerUnavailable("rabbitmq: down", attempted=len(events))
        if self.confirm_only is not None and self.confirm_only < len(events):
            confirmed = self.confirm_only
            self.published.extend(events[:confirmed])
            self.confirm_only = None
            raise BrokerUnavailable("rabbitmq: nack", attempted=len(events), confirmed=confirmed)
        self.published.extend(events)


class RecordingObserver:
    def __init__(self) -> None:
        self.results: list[RelayBatchResult] = []
        self.failures: list[tuple[int, int]] = []
        self.inspections: list[TrimOutboxResult] = []
        self.states: list[WorkerState] = []

    def batch_settled(self, result: RelayBatchResult) -> None:
        self.results.append(result)

    def batch_failed(self, attempted: int, confirmed: int) -> None:
        self.failures.append((attempted, confirmed))

    def outbox_inspected(self, result: TrimOutboxResult) -> None:
        self.inspections.append(result)

    def state_changed(self, state: WorkerState) -> None:
        self.states.append(state)
