from __future__ import annotations


class RelayError(Exception):
    """Base of the relay's errors; `code` is stable for logs and metrics."""

    code = "RELAY_ERROR"


class OutboxUnavailable(RelayError):
    code = "OUTBOX_UNAVAILABLE"


class BrokerUnavailable(RelayError):
    """The broker did not confirm every event; the first `confirmed` ones it did confirm."""

    code = "BROKER_UNAVAILABLE"

    def __init__(self, message: str, *, confirmed: int = 0) -> None:
        super().__init__(message)
        self.confirmed = confirmed
