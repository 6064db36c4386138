from __future__ import annotations

import os
import subprocess
import sys

from benchmarks.canary_demo import ROLL_BACK_EXIT
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


def test_demo_rolls_back_when_the_harness_fails_a_share_of_canary_requests():
    run = _demo("--inject-error-rate", "0.3")

    assert run.returncode == ROLL_BACK_EXIT, run.stdout + run.stderr
    assert "verdict: roll back" in run.stdout
    assert "error-ratio-above-stable" in run.stdout
    [row] = [
        line for line in run.stdout.splitlines() if line.startswith("error-ratio-above-stable")
    ]
    assert row.endswith("Failed")
