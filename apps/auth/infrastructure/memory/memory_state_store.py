from __future__ import annotations

from apps.auth.application.common.ports import Clock
from apps.auth.application.oauth.ports import LoginState


class MemoryStateStore:
    """Login states with the Redis store's TTL and take-once semantics."""

    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock
        self._states: dict[str, tuple[float, LoginState]] = {}

    async def save(self, state: LoginState, ttl_seconds: int) -> None:
        expires = self._clock.now().timestamp() + ttl_seconds
        self._states.setdefault(state.state, (expires, state))

    async def consume(self, state: str) -> LoginState | None:
        entry = self._states.pop(state, None)
        if entry is None or entry[0] <= self._clock.now().timestamp():
            return None
        return entry[1]
