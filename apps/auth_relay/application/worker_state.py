from __future__ import annotations

import logging

from apps.auth_relay.application.backoff import Backoff
from apps.auth_relay.application.errors import RelayError
from apps.auth_relay.application.ports import Clock, RelayObserver, WorkerState

logger = logging.getLogger("apps.auth_relay.worker")
_DOWN = (WorkerState.OUTBOX_UNAVAILABLE, WorkerState.BROKER_UNAVAILABLE)
_ANNOUNCED = {
    WorkerState.STARTING: "starting",
    WorkerState.RELAYING: "running",
    WorkerState.STOPPED: "stopped",
}


class StateLog:
    """The worker's state: each change is logged once, with the outage's length on resuming."""

    def __init__(self, *, observer: RelayObserver, clock: Clock, backoff: Backoff) -> None:
        self._observer = observer
        self._clock = clock
        self._backoff = backoff
        self._down_since = 0.0
        self.state = WorkerState.STARTING

    def enter(self, state: WorkerState, error: RelayError | None = None) -> None:
        if state is self.state:
            return
        previous, self.state = self.state, state
        now = self._clock.monotonic()
        if error is not None:
            if previous not in _DOWN:
                self._down_since = now
            logger.warning(
                "relay paused: %s",
                error,
                extra={"state": state.value, "previous": previous.value, "code": error.code},
            )
        elif state is WorkerState.RELAYING and previous in _DOWN:
            logger.info(
                "relay resumed",
                extra={
                    "state": state.value,
                    "previous": previous.value,
                    "attempts": self._backoff.attempts,
                    "down_seconds": round(now - self._down_since, 3),
                },
            )
        else:
            logger.info(
                "relay %s", _ANNOUNCED.get(state, state.value), extra={"state": state.value}
            )
        self._observer.state_changed(state)
