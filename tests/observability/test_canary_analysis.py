from __future__ import annotations

import math

import pytest

from benchmarks.canary_analysis import load_metrics, measure, phase_of, verdict
from benchmarks.canary_promql import Scrapes, Snapshot, evaluate

API = "/api/v1/auth/verify"


def _track(release: str, requests: float, errors: float, slow: float) -> Snapshot:
    """One track after `requests` verifies, `errors` of them 500, `slow` of them at ~0.4 s."""
    target = {"namespace": "auth", "job": "auth-api", "release": release}
    ok = {**target, "method": "GET", "route": API}
    fast = requests - slow
    return {
        "auth_http_requests_total": [
            ({**ok, "status": "200"}, requests - errors),
            ({**ok, "status": "500"}, errors),
        ],
        "auth_http_request_duration_seconds_bucket": [
            ({**ok, "le": "0.01"}, fast),
            ({**ok, "le": "0.5"}, requests),
            ({**ok, "le": "+Inf"}, requests),
        ],
    }


def _scrapes(canary: Snapshot, stable: Snapshot, seconds: float = 100.0) -> Scrapes:
    after: Snapshot = {}
    for snapshot in (canary, stable):
        for name, series in snapshot.items():
            after.setdefault(name, []).extend(series)
    return Scrapes(before={}, after=after, seconds=seconds)


def _judge(scrapes: Scrapes) -> dict[str, str]:
    return {m.metric: m.phase for m in (measure(x, scrapes) for x in load_metrics())}


def test_verdict_is_promote_when_canary_behaves_like_stable():
    scrapes = _scrapes(_track("canary", 100, 0, 0), _track("stable", 1000, 1, 0))
    measurements = [measure(metric, scrapes) for metric in load_metrics()]

    assert {m.phase for m in measurements} == {"Successful"}
    assert verdict(measurements) == "promote"


def test_verdict_is_roll_back_when_canary_errors_exceed_stable_by_the_margin():
    phases = _judge(_scrapes(_track("canary", 100, 5, 0), _track("stable", 1000, 10, 0)))

    assert phases["error-ratio-above-stable"] == "Failed"


def test_verdict_is_roll_back_when_canary_p99_is_far_above_stable():
    phases = _judge(_scrapes(_track("canary", 100, 0, 10), _track("stable", 1000, 0, 0)))

    assert phases["p99-latency-versus-stable"] == "Failed"
    assert phases["error-ratio-above-stable"] == "Successful"


def test_verdict_is_hold_when_the_canary_gets_almost_no_traffic():
    scrapes = _scrapes(_track("canary", 1, 0, 0), _track("stable", 1000, 0, 0), seconds=300)
    measurements = [measure(metric, scrapes) for metric in load_metrics()]

    assert {m.metric: m.phase for m in measurements}["canary-traffic"] == "Inconclusive"
    assert verdict(measurements) == "hold"


def test_verdict_is_hold_when_the_canary_has_no_traffic_at_all():
    scrapes = _scrapes({}, _track("stable", 1000, 0, 0))
    measurements = [measure(metric, scrapes) for metric in load_metrics()]

    assert math.isnan({m.metric: m.result[0] for m in measurements}["error-ratio-above-stable"])
    assert verdict(measurements) == "hold"


@pytest.mark.parametrize(
    ("success", "failure", "value", "phase"),
    [
        ("result[0] <= 1", "", 2.0, "Failed"),
        ("", "result[0] > 1", 0.5, "Successful"),
        ("result[0] <= 1", "result[0] > 2", 1.5, "Inconclusive"),
        ("result[0] <= 1", "result[0] > 2", math.nan, "Inconclusive"),
        ("result[0] >= 0.05", "false", 0.01, "Inconclusive"),
        ("", "", 9.0, "Successful"),
    ],
)
def test_measurement_phase_follows_argo_rollouts_rules(success, failure, value, phase):
    assert phase_of([value], success, failure) == phase


def test_rate_is_the_growth_between_the_two_scrapes_per_second():
    before: Snapshot = {"c_total": [({"a": "x"}, 10.0)]}
    after: Snapshot = {"c_total": [({"a": "x"}, 30.0), ({"a": "y"}, 5.0)]}
    result = evaluate('sum by (a) (rate(c_total{a=~"x|y"}[5m]))', Scrapes(before, after, 10.0))

    assert sorted((dict(k)["a"], v) for k, v in result) == [("x", 2.0), ("y", 0.5)]


def test_histogram_quantile_interpolates_like_prometheus():
    buckets = [({"le": "0.1"}, 50.0), ({"le": "0.5"}, 90.0), ({"le": "+Inf"}, 100.0)]
    scrapes = Scrapes({}, {"h_bucket": buckets}, 1.0)

    def quantile(q: float) -> float:
        [(_, value)] = evaluate(f"histogram_quantile({q}, h_bucket)", scrapes)
        return value

    assert quantile(0.5) == pytest.approx(0.1)
    assert quantile(0.7) == pytest.approx(0.3)
    assert quantile(0.99) == pytest.approx(0.5)


def test_evaluator_refuses_what_it_cannot_evaluate():
    with pytest.raises(ValueError, match="unsupported"):
        evaluate("changes(x[5m])", Scrapes({}, {}, 1.0))
