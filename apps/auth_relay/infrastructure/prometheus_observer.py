from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.application.relay_batch import BatchOrigin, RelayBatchResult
from apps.auth_relay.application.trim_outbox import TrimOutboxResult


class PrometheusRelayObserver:
    """The relay's metrics, all prefixed `relay_`, in a registry of their own."""

    def __init__(self, *, registry: CollectorRegistry) -> None:
        self.relayed = Counter(
            "relay_events_relayed_total", "Events confirmed by the broker", registry=registry
        )
        self.failed = Counter(
            "relay_events_failed_total",
            "Events the broker did not confirm (retried later)",
            registry=registry,
        )
        self.refused = Counter(
            "relay_events_refused_total",
            "Publishes the broker returned or nacked (retried, or dead-lettered)",
            ["reason"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            "relay_events_dead_lettered_total",
            "Malformed or refused entries moved to the dead-letter stream",
            ["reason"],
            registry=registry,
        )
        self.reclaimed = Counter(
            "relay_events_reclaimed_total",
            "Entries taken over from a consumer that left them pending",
            registry=registry,
        )
        self.trimmed = Counter(
            "relay_outbox_trimmed_total", "Acknowledged entries trimmed", registry=registry
        )
        self.length = Gauge(
            "relay_outbox_length_entries", "Entries in the outbox stream", registry=registry
        )
        self.backlog = Gauge(
            "relay_outbox_backlog_entries",
            "Entries of the group not yet acknowledged (pending + undelivered)",
            registry=registry,
        )
        self.lag = Gauge(
            "relay_outbox_lag_seconds",
            "Age of the oldest entry the group has not acknowledged",
            registry=registry,
        )
        self.state = Gauge(
            "relay_worker_state", "1 for the worker's current state", ["state"], registry=registry
        )

    def batch_settled(self, result: RelayBatchResult) -> None:
        self.relayed.inc(result.relayed)
        if result.origin is BatchOrigin.STALE:
            self.reclaimed.inc(result.fetched)
        for refusal in result.refused:
            self.refused.labels(reason=refusal.reason).inc()
        for rejection in result.rejected:
            self.dead_lettered.labels(reason=rejection.reason).inc()

    def batch_failed(self, attempted: int, confirmed: int) -> None:
        self.relayed.inc(confirmed)
        self.failed.inc(attempted - confirmed)

    def outbox_inspected(self, result: TrimOutboxResult) -> None:
        self.trimmed.inc(result.trimmed)
        self.length.set(result.length)
        self.backlog.set(result.backlog)
        self.lag.set(result.lag_seconds)

    def state_changed(self, state: WorkerState) -> None:
        for each in WorkerState:
            self.state.labels(state=each.value).set(1 if each is state else 0)
