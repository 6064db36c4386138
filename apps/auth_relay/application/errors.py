from __future__ import annotations

from collections.abc import Sequence

from apps.auth_relay.application.entries import Refusal


class RelayError(Exception):
    """Base of the relay's errors; `code` is stable for logs and metrics."""

    code = "RELAY_ERROR"


class OutboxUnavailable(RelayError):
    code = "OUTBOX_UNAVAILABLE"


class BrokerUnavailable(RelayError):
    """The broker answered only the first `answered` of `attempted` events, in order.

    `refused` are the answers among them that were a return or a nack; the others were confirmed.
    """

    code = "BROKER_UNAVAILABLE"

    def __init__(
        self,
        message: str,
        *,
        attempted: int = 0,
        answered: int = 0,
        refused: Sequence[Refusal] = (),
    ) -> None:
        super().__init__(message)
        self.attempted = attempted
        self.answered = answered
        self.refused = tuple(refused)

    @property
    def confirmed(self) -> int:
        return self.answered - len(self.refused)
