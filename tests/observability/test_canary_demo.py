from __future__ import annotations

import os
import subprocess
import sys

from benchmarks.canary_analysis import latency_floor_seconds, load_metrics
from benchmarks.canary_demo import ROLL_BACK_EXIT
from benchmarks.canary_report import JUDGED_TITLE, P99_TITLE, ROWS, comparison_table
from benchmarks.prometheus import Sample
from tests.delivery.manifests import REPO_ROOT


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.canary_demo", "--short", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_demo_promotes_when_the_canary_is_the_same_service():
    run = _demo()

    assert run.returncode == 0, run.stdout + run.stderr
    assert "verdict: promote" in run.stdout
    assert "5xx ratio" in run.stdout and "stable" in run.stdout and "canary" in run.stdout


def test_demo_rolls_back_with_status_3_shown_through_make_when_canary_requests_fail():
    # `-o install`: the suite already runs in the installed virtualenv.
    run = subprocess.run(
        ["make", "-s", "-o", "install", "canary-demo", "ARGS=--short --inject-error-rate 0.3"],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    # Make ends a failed recipe with 2 whatever the command's status; the demo's is in the
    # recipe's last line and in make's own `Error 3`.
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"canary-demo: exit status {ROLL_BACK_EXIT} (roll back)" in run.stderr
    assert f"Error {ROLL_BACK_EXIT}" in run.stderr
    assert "verdict: roll back" in run.stdout
    [row] = [
        line for line in run.stdout.splitlines() if line.startswith("error-ratio-above-stable")
    ]
    assert row.endswith("Failed")


def test_p99_rows_show_the_floor_the_analysis_divides_by_when_both_tracks_are_fast():
    floor_ms = latency_floor_seconds(load_metrics()) * 1000
    answers = {P99_TITLE: {"stable": 12.0, "canary": 30.0}}

    def query(expr: str) -> list[Sample]:
        [title] = [title for title, row, _ in ROWS if row == expr]
        return [({"release": r}, v) for r, v in answers.get(title, {}).items()]

    table = comparison_table(query, floor_ms=floor_ms)

    assert floor_ms == 100
    [judged] = [line for line in table if line.startswith("p99 stable as judged (ms)")]
    [ratio] = [line for line in table if line.startswith(JUDGED_TITLE)]
    assert judged.split()[-1] == "100.0"
    assert ratio.split()[-1] == "0.3"
    assert any("at least 100 ms" in line for line in table)


def test_judged_ratio_uses_stable_p99_when_it_is_above_the_floor():
    def query(expr: str) -> list[Sample]:
        if "0.99" not in expr:
            return []
        return [({"release": "stable"}, 200.0), ({"release": "canary"}, 500.0)]

    table = comparison_table(query, floor_ms=100)

    [ratio] = [line for line in table if line.startswith(JUDGED_TITLE)]
    assert ratio.split()[-1] == "2.5"
