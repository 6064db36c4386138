from __future__ import annotations


class RelayError(Exception):
    """Base of the relay's errors; `code` is stable for logs and metrics."""

    code = "RELAY_ERROR"


class OutboxUnavailable(RelayError):
    code = "OUTBOX_UNAVAILABLE"


class BrokerUnavailable(RelayError):
    """The broker confirmed only the first `confirmed` of `attempted` events, in order."""

    code = "BROKER_UNAVAILABLE"

    def __init__(self, message: str, *, attempted: int = 0, confirmed: int = 0) -> None:
        super().__init__(message)
        self.attempted = attempted
        self.confirmed = confirmed
