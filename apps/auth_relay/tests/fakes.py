from __future__ import annotations

from collections.abc import Sequence

from apps.auth_relay.application.entries import OutboxEvent, Refusal
from apps.auth_relay.application.errors import BrokerUnavailable
from apps.auth_relay.application.ports import WorkerState
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


class FakePublisher:
    """Confirms everything unless `down`, or confirms `confirm_only` events and then fails.

    Events whose entry id is in `refusing` are nacked, every event is returned while `unbound`;
    `attempts` counts each entry's publishes.
    """

    def __init__(self) -> None:
        self.published: list[OutboxEvent] = []
        self.attempts: dict[str, int] = {}
        self.down = False
        self.unbound = False
        self.refusing: set[str] = set()
        self.confirm_only: int | None = None

    async def connect(self) -> None:
        if self.down:
            raise BrokerUnavailable("rabbitmq: down")

    async def publish(self, events: Sequence[OutboxEvent]) -> list[Refusal]:
        await self.connect()
        for event in events:
            self.attempts[event.entry_id] = self.attempts.get(event.entry_id, 0) + 1
        refused = [refusal for event in events if (refusal := self._refusal(event))]
        refused_ids = {refusal.entry_id for refusal in refused}
        taken = [event for event in events if event.entry_id not in refused_ids]
        if self.confirm_only is not None and self.confirm_only < len(events):
            answered, self.confirm_only = self.confirm_only, None
            self.published.extend(e for e in taken if e in events[:answered])
            early = [r for r in refused if r.entry_id in {e.entry_id for e in events[:answered]}]
            raise BrokerUnavailable(
                "rabbitmq: gone", attempted=len(events), answered=answered, refused=early
            )
        self.published.extend(taken)
        return refused

    def _refusal(self, event: OutboxEvent) -> Refusal | None:
        if self.unbound:
            return Refusal(entry_id=event.entry_id, reason="unroutable", detail="312 NO_ROUTE")
        if event.entry_id in self.refusing:
            return Refusal(entry_id=event.entry_id, reason="nacked", detail="nacked")
        return None


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
