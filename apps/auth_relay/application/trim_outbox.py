from __future__ import annotations

from dataclasses import dataclass

from apps.auth_relay.application.entries import entry_millis, id_after, id_key
from apps.auth_relay.application.ports import Clock, GroupPosition, OutboxRetention


@dataclass(frozen=True, slots=True, kw_only=True)
class TrimOutboxRequest:
    group: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TrimOutboxResult:
    trimmed: int
    backlog: int
    lag_seconds: float
    min_id: str | None
    length: int = 0


class TrimOutboxInteractor:
    """Drops acknowledged entries from the outbox and measures what is still to relay.

    The cut is the oldest entry some group still needs (pending, or not yet delivered),
    across every group on the stream, so an unacknowledged entry is never trimmed.
    Lag is the age of the oldest entry the given group has not acknowledged. Nothing else
    bounds the stream: the producer does not cap it.
    """

    def __init__(self, *, retention: OutboxRetention, clock: Clock) -> None:
        self._retention = retention
        self._clock = clock

    async def execute(self, request: TrimOutboxRequest) -> TrimOutboxResult:
        groups = await self._retention.groups()
        if not groups:
            length = await self._retention.length()
            return TrimOutboxResult(
                trimmed=0, backlog=0, lag_seconds=0.0, min_id=None, length=length
            )
        min_id = min((_first_needed(group) for group in groups), key=id_key)
        trimmed = await self._retention.trim_before(min_id)
        length = await self._retention.length()
        ours = next((group for group in groups if group.name == request.group), None)
        if ours is None:
            return TrimOutboxResult(
                trimmed=trimmed, backlog=0, lag_seconds=0.0, min_id=min_id, length=length
            )
        oldest = ours.oldest_pending_id or await self._retention.first_id_after(
            ours.last_delivered_id
        )
        lag = 0.0
        if oldest is not None:
            lag = max(0.0, self._clock.now() - entry_millis(oldest) / 1000)
        return TrimOutboxResult(
            trimmed=trimmed,
            backlog=ours.pending + ours.undelivered,
            lag_seconds=lag,
            min_id=min_id,
            length=length,
        )


def _first_needed(group: GroupPosition) -> str:
    return group.oldest_pending_id or id_after(group.last_delivered_id)
