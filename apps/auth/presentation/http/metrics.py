from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class AuthMetrics:
    """Prometheus series of one app; labels are route templates and small enums only."""

    def __init__(self, *, release: str, version: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.build = Gauge(
            "auth_build_info", "Build of this process", ["version", "release"], registry=r
        )
        self.build.labels(version, release).set(1)
        self.requests = Counter(
            "auth_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "auth_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.logins = Counter("auth_logins_total", "Logins", ["provider", "result"], registry=r)
        self.refreshes = Counter("auth_refresh_total", "Refresh outcomes", ["outcome"], registry=r)
        # One series per outcome, looked up on first use rather than on every refresh.
        self._refresh_series: dict[str, Counter] = {}
        self.reuse = Counter(
            "auth_refresh_reuse_detected_total", "Refresh token reuse detections", registry=r
        )
        self.revocations = Counter("auth_revocations_total", "Revocations", ["reason"], registry=r)
        self.verify = Counter("auth_verify_total", "Verify results", ["result"], registry=r)
        # /verify is the busiest endpoint: its series are looked up once, not per request.
        self.verify_results = {
            result: self.verify.labels(result)
            for result in ("valid", "invalid", "revoked", "unavailable")
        }
        self.outbox_depth = Gauge(
            "auth_outbox_depth", "Events in the revocation outbox", registry=r
        )
        self.outbox_cap = Gauge(
            "auth_outbox_cap",
            "AUTH_OUTBOX_MAXLEN: the outbox length past which undelivered events are dropped "
            "(0: no cap)",
            registry=r,
        )
        self.weak_secret = Gauge(
            "auth_config_weak_secret",
            "1 while AUTH_JWT_SECRET fails the strength check (the service runs with it only as "
            "the cut-over profile's shared secret), 0 otherwise",
            registry=r,
        )

    def refreshed(self, outcome: str) -> None:
        """Counts one refresh by its outcome (a rotation outcome or an error code, lower case)."""
        series = self._refresh_series.get(outcome)
        if series is None:
            series = self._refresh_series[outcome] = self.refreshes.labels(outcome)
        series.inc()
