from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import Counter, Histogram

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class UsersRpcMetrics:
    """Calls to the users service by RPC and outcome, registered by whoever exposes metrics.

    Outcomes: ok, unavailable (no answer, a refused connection or a server error), deadline
    (no answer within the deadline), invalid (an answer that cannot be used).
    """

    calls: Counter
    seconds: Histogram

    @classmethod
    def create(cls) -> UsersRpcMetrics:
        return cls(
            calls=Counter(
                "auth_users_rpc_total",
                "Calls to Eco²'s users service by RPC and outcome",
                ["rpc", "outcome"],
                registry=None,
            ),
            seconds=Histogram(
                "auth_users_rpc_duration_seconds",
                "Latency of calls to Eco²'s users service, retries included",
                ["rpc"],
                buckets=_BUCKETS,
                registry=None,
            ),
        )

    @property
    def collectors(self) -> tuple[Counter, Histogram]:
        return (self.calls, self.seconds)
