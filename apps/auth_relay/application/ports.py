from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from apps.auth_relay.application.entries import OutboxEntry, OutboxEvent, Refusal, Rejection

if TYPE_CHECKING:
    from apps.auth_relay.application.relay_batch import RelayBatchResult
    from apps.auth_relay.application.trim_outbox import TrimOutboxResult


class WorkerState(StrEnum):
    STARTING = "starting"
    RELAYING = "relaying"
    OUTBOX_UNAVAILABLE = "outbox_unavailable"
    BROKER_UNAVAILABLE = "broker_unavailable"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class Claimed:
    entries: list[OutboxEntry]
    next_start: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupPosition:
    name: str
    last_delivered_id: str
    oldest_pending_id: str | None
    pending: int
    undelivered: int


class OutboxSource(Protocol):
    """The outbox stream seen through this replica's consumer in the group."""

    async def read_own_pending(self, count: int) -> list[OutboxEntry]: ...

    async def read_new(self, count: int) -> list[OutboxEntry]: ...

    async def claim_stale(self, start: str, count: int) -> Claimed: ...

    async def settle(self, delivered: Sequence[str], rejected: Sequence[Rejection]) -> None:
        """Acknowledges `delivered` and moves `rejected` to the dead-letter stream, atomically."""


class EventPublisher(Protocol):
    async def connect(self) -> None:
        """Returns at once when connected; else connects, or raises BrokerUnavailable."""

    async def publish(self, events: Sequence[OutboxEvent]) -> list[Refusal]:
        """Returns once the broker answered every event: the ones it refused, in order.

        Raises BrokerUnavailable when it stopped answering part-way.
        """


class OutboxRetention(Protocol):
    async def groups(self) -> list[GroupPosition]: ...

    async def first_id_after(self, entry_id: str) -> str | None: ...

    async def trim_before(self, min_id: str) -> int: ...

    async def length(self) -> int: ...


class Clock(Protocol):
    def now(self) -> float: ...

    def monotonic(self) -> float: ...


class RelayObserver(Protocol):
    def batch_settled(self, result: RelayBatchResult) -> None: ...

    def batch_failed(self, attempted: int, confirmed: int) -> None: ...

    def outbox_inspected(self, result: TrimOutboxResult) -> None: ...

    def state_changed(self, state: WorkerState) -> None: ...
