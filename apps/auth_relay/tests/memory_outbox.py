from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from apps.auth_relay.application.entries import OutboxEntry, Rejection, id_key
from apps.auth_relay.application.errors import OutboxUnavailable
from apps.auth_relay.application.ports import Claimed, Clock, GroupPosition


@dataclass
class _Pending:
    consumer: str
    delivered_at: float
    deliveries: int = 1


@dataclass
class _Group:
    last_delivered: str = "0-0"
    pending: dict[str, _Pending] = field(default_factory=dict)


class InMemoryOutbox:
    """A stream with consumer groups that behaves like the Redis one the relay reads.

    It is held to RedisOutboxSource and RedisOutboxRetention by the same contract tests.
    Trimming is exact where Redis's is approximate; both keep every entry at or after the cut.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.entries: dict[str, dict[bytes, bytes]] = {}
        self.groups: dict[str, _Group] = {}
        self.dead: list[Rejection] = []
        self.acked: list[str] = []
        self.down = False
        self._last_id = (0, 0)

    def add(self, fields: dict[bytes, bytes]) -> str:
        millis = max(int(self.clock.now() * 1000), self._last_id[0])
        seq = self._last_id[1] + 1 if millis == self._last_id[0] else 0
        self._last_id = (millis, seq)
        entry_id = f"{millis}-{seq}"
        self.entries[entry_id] = fields
        return entry_id

    def delete(self, entry_id: str) -> None:
        self.entries.pop(entry_id, None)

    def consumer(
        self, name: str, *, group: str = "relay", claim_idle_ms: int = 1000
    ) -> InMemoryOutboxSource:
        return InMemoryOutboxSource(self, group, name, claim_idle_ms)

    def retention(self) -> InMemoryOutboxRetention:
        return InMemoryOutboxRetention(self)

    def group(self, name: str) -> _Group:
        self.check()
        return self.groups.setdefault(name, _Group())

    def check(self) -> None:
        if self.down:
            raise OutboxUnavailable("redis: down")

    def fields_of(self, entry_id: str) -> dict[bytes, bytes] | None:
        return self.entries.get(entry_id)

    @property
    def pending(self) -> dict[str, _Pending]:
        return {i: p for g in self.groups.values() for i, p in g.pending.items()}


class InMemoryOutboxSource:
    def __init__(self, outbox: InMemoryOutbox, group: str, name: str, claim_idle_ms: int) -> None:
        self.outbox = outbox
        self.group_name = group
        self.name = name
        self.claim_idle = claim_idle_ms / 1000

    async def read_own_pending(self, count: int) -> list[OutboxEntry]:
        group = self.outbox.group(self.group_name)
        mine = sorted((i for i, p in group.pending.items() if p.consumer == self.name), key=id_key)
        return [self._deliver(group, i) for i in mine[:count]]

    async def read_new(self, count: int) -> list[OutboxEntry]:
        group = self.outbox.group(self.group_name)
        last = id_key(group.last_delivered)
        fresh = [i for i in self.outbox.entries if id_key(i) > last][:count]
        if fresh:
            group.last_delivered = fresh[-1]
        else:
            await asyncio.sleep(0.001)
        return [self._deliver(group, i) for i in fresh]

    async def claim_stale(self, start: str, count: int) -> Claimed:
        group = self.outbox.group(self.group_name)
        now = self.outbox.clock.monotonic()
        ids = sorted((i for i in group.pending if id_key(i) >= id_key(start)), key=id_key)
        claimed: list[OutboxEntry] = []
        for position, entry_id in enumerate(ids):
            if len(claimed) == count:
                return Claimed(entries=claimed, next_start=ids[position])
            if now - group.pending[entry_id].delivered_at < self.claim_idle:
                continue
            if entry_id not in self.outbox.entries:
                del group.pending[entry_id]  # Redis 7 drops a deleted entry when claiming it
                continue
            claimed.append(self._deliver(group, entry_id))
        return Claimed(entries=claimed, next_start="0-0")

    async def settle(self, delivered: Sequence[str], rejected: Sequence[Rejection]) -> None:
        group = self.outbox.group(self.group_name)
        self.outbox.dead.extend(rejected)
        for entry_id in [*delivered, *(r.entry_id for r in rejected)]:
            if group.pending.pop(entry_id, None) is not None:
                self.outbox.acked.append(entry_id)

    def _deliver(self, group: _Group, entry_id: str) -> OutboxEntry:
        now = self.outbox.clock.monotonic()
        before = group.pending.get(entry_id)
        deliveries = before.deliveries + 1 if before else 1
        group.pending[entry_id] = _Pending(self.name, delivered_at=now, deliveries=deliveries)
        return OutboxEntry(
            entry_id=entry_id, fields=self.outbox.fields_of(entry_id), deliveries=deliveries
        )


class InMemoryOutboxRetention:
    def __init__(self, outbox: InMemoryOutbox) -> None:
        self.outbox = outbox
        self.trimmed_before: str | None = None

    async def groups(self) -> list[GroupPosition]:
        self.outbox.check()
        return [self._position(name, group) for name, group in self.outbox.groups.items()]

    async def first_id_after(self, entry_id: str) -> str | None:
        self.outbox.check()
        return next((i for i in self.outbox.entries if id_key(i) > id_key(entry_id)), None)

    async def trim_before(self, min_id: str) -> int:
        self.outbox.check()
        self.trimmed_before = min_id
        dropped = [i for i in self.outbox.entries if id_key(i) < id_key(min_id)]
        for entry_id in dropped:
            del self.outbox.entries[entry_id]
        return len(dropped)

    async def length(self) -> int:
        self.outbox.check()
        return len(self.outbox.entries)

    def _position(self, name: str, group: _Group) -> GroupPosition:
        last = id_key(group.last_delivered)
        oldest = min(group.pending, key=id_key) if group.pending else None
        return GroupPosition(
            name=name,
            last_delivered_id=group.last_delivered,
            oldest_pending_id=oldest,
            pending=len(group.pending),
            undelivered=sum(1 for i in self.outbox.entries if id_key(i) > last),
        )
