"""The AnalysisTemplate's queries answered by a real Prometheus over constructed history.

Each scenario is ten minutes of both tracks' counters, backfilled with `promtool tsdb
create-blocks-from openmetrics` an hour apart from the next, so the template's `[5m]`
windows at a scenario's end see that scenario only.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.canary_analysis import Measurement, load_metrics, measure, phase_of, verdict
from benchmarks.prometheus import Prometheus

ROUTE = "/api/v1/auth/verify"
STEP_SECONDS = 15
SPAN_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Track:
    """Requests per second, the share answered 500, the share slower than 10 ms (~0.45 s)."""

    release: str
    rate: float
    errors: float = 0.0
    slow: float = 0.0

    def series(self, elapsed: float) -> Iterator[tuple[str, dict[str, str], float]]:
        done = self.rate * elapsed
        labels = {"namespace": "auth", "job": "auth-api", "release": self.release}
        labels |= {"method": "GET", "route": ROUTE}
        counter, bucket = "auth_http_requests_total", "auth_http_request_duration_seconds_bucket"
        yield counter, {**labels, "status": "200"}, done * (1 - self.errors)
        yield counter, {**labels, "status": "500"}, done * self.errors
        yield bucket, {**labels, "le": "0.01"}, done * (1 - self.slow)
        yield bucket, {**labels, "le": "0.5"}, done
        yield bucket, {**labels, "le": "+Inf"}, done


SCENARIOS: dict[str, tuple[Track, ...]] = {
    "alike": (Track("canary", 1.0), Track("stable", 10.0, errors=0.001)),
    "errors": (Track("canary", 1.0, errors=0.05), Track("stable", 10.0, errors=0.01)),
    "slow": (Track("canary", 1.0, slow=0.1), Track("stable", 10.0)),
    "trickle": (Track("canary", 0.01), Track("stable", 10.0)),
    "no canary": (Track("stable", 10.0),),
}


def _openmetrics(start: float) -> tuple[str, dict[str, float]]:
    """All scenarios' samples as OpenMetrics text, and the moment each scenario ends."""
    lines: dict[str, list[str]] = {}
    ends: dict[str, float] = {}
    for index, (name, tracks) in enumerate(SCENARIOS.items()):
        first = start + index * 3600
        ends[name] = first + SPAN_SECONDS
        for track in tracks:
            for step in range(SPAN_SECONDS // STEP_SECONDS + 1):
                moment = first + step * STEP_SECONDS
                for metric, labels, value in track.series(moment - first):
                    text = ",".join(f'{k}="{v}"' for k, v in labels.items())
                    lines.setdefault(metric, []).append(f"{metric}{{{text}}} {value} {moment}")
    body = "\n".join(line for family in lines.values() for line in family)
    return f"{body}\n# EOF\n", ends


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> dict[str, list[Measurement]]:
    """Every scenario's measurements, each query asked at the end of its scenario."""
    directory = tmp_path_factory.mktemp("history")
    start = (time.time() // 7200) * 7200 - 86400
    text, ends = _openmetrics(start)
    (directory / "history.om").write_text(text)
    promtool = shutil.which("promtool")
    assert promtool, "promtool must be on PATH (scripts/ci-tools.sh installs it)"
    data = directory / "data"
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "history.om", str(data)],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Prometheus(data_dir=Path(data)) as prometheus:
        return {
            name: [
                measure(metric, lambda e, at=end: [v for _, v in prometheus.query(e, at=at)])
                for metric in load_metrics()
            ]
            for name, end in ends.items()
        }


def _phases(measurements: list[Measurement]) -> dict[str, str]:
    return {m.metric: m.phase for m in measurements}


def test_verdict_is_promote_when_canary_behaves_like_stable(judged):
    assert set(_phases(judged["alike"]).values()) == {"Successful"}
    assert verdict(judged["alike"]) == "promote"


def test_verdict_is_roll_back_when_canary_errors_exceed_stable_by_the_margin(judged):
    [ratio] = [m for m in judged["errors"] if m.metric == "error-ratio-above-stable"]

    assert ratio.result[0] == pytest.approx(0.04)
    assert ratio.phase == "Failed"
    assert verdict(judged["errors"]) == "roll back"


def test_verdict_is_roll_back_when_canary_p99_is_far_above_stable(judged):
    phases = _phases(judged["slow"])

    assert phases["p99-latency-versus-stable"] == "Failed"
    assert phases["error-ratio-above-stable"] == "Successful"
    assert verdict(judged["slow"]) == "roll back"


def test_verdict_is_hold_when_the_canary_gets_almost_no_traffic(judged):
    assert _phases(judged["trickle"])["canary-traffic"] == "Inconclusive"
    assert verdict(judged["trickle"]) == "hold"


def test_verdict_is_hold_when_the_canary_has_no_traffic_at_all(judged):
    results = {m.metric: m.result for m in judged["no canary"]}

    assert results["canary-traffic"] == [0.0]
    assert math.isnan(results["error-ratio-above-stable"][0])
    assert math.isnan(results["p99-latency-versus-stable"][0])
    assert verdict(judged["no canary"]) == "hold"


def test_measurement_is_error_and_run_holds_when_the_query_returns_nothing():
    [metric, *_] = load_metrics()
    empty = measure(metric, lambda expr: [])

    assert empty.phase == "Error"
    assert verdict([empty]) == "hold"


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


def test_condition_the_verdict_logic_cannot_read_is_refused():
    with pytest.raises(ValueError, match="cannot evaluate"):
        phase_of([1.0], "len(result) > 0", "")
