"""The PrometheusRule checked and unit-tested by Prometheus's own `promtool`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.delivery.manifests import API_OVERLAYS, of_kind, render_state
from tests.observability.sources import all_queries
from tests.observability.test_queries import ALERTS

RULE_TESTS = Path(__file__).with_name("alerts_test.yaml")
# While stable is v1 (the overlays as committed), the canary alerts read Istio's metrics.
V1_STABLE_RULE_TESTS = Path(__file__).with_name("alerts_v1_stable_test.yaml")
CANARY_ALERTS = {"AuthCanaryErrorRatioAboveStable", "AuthCanaryLatencyAboveStable"}


def _promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    assert promtool, "promtool must be on PATH (scripts/ci-tools.sh installs Debian's prometheus)"
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _rules_dir(
    overlay: str, directory: Path, state: str = "promoted", tests: Path = RULE_TESTS
) -> Path:
    """rules.yaml (the rendered PrometheusRule's `spec.groups`) next to the unit tests."""
    [rule] = of_kind(render_state(overlay, state), "PrometheusRule")
    (directory / "rules.yaml").write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    shutil.copy(tests, directory / tests.name)
    return directory


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_rules_pass_promtool_check_when_extracted_from_the_overlay(overlay, tmp_path):
    run = _promtool("check", "rules", "rules.yaml", cwd=_rules_dir(overlay, tmp_path))

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in run.stdout


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_every_alert_fires_and_stays_quiet_as_its_unit_tests_expect(overlay, tmp_path):
    run = _promtool("test", "rules", RULE_TESTS.name, cwd=_rules_dir(overlay, tmp_path))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


def test_unit_tests_cover_every_alert_firing_and_not_firing():
    cases = [
        case
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
    ]

    assert {case["alertname"] for case in cases if case["exp_alerts"]} == ALERTS
    assert {case["alertname"] for case in cases if not case["exp_alerts"]} == ALERTS


def test_unit_tests_fail_when_a_threshold_in_the_rules_changes(tmp_path):
    directory = _rules_dir(API_OVERLAYS[0], tmp_path)
    rules = directory / "rules.yaml"
    rules.write_text(rules.read_text().replace("> 60", "> 600"))

    run = _promtool("test", "rules", RULE_TESTS.name, cwd=directory)

    assert run.returncode != 0
    assert "AuthOutboxLagHigh" in run.stdout + run.stderr


def test_unit_tests_fail_when_the_weak_secret_alert_reads_another_series(tmp_path):
    directory = _rules_dir(API_OVERLAYS[0], tmp_path)
    rules = directory / "rules.yaml"
    rules.write_text(rules.read_text().replace("(auth_config_weak_secret{", "(auth_weak_secret{"))

    run = _promtool("test", "rules", RULE_TESTS.name, cwd=directory)

    assert run.returncode != 0
    assert "AuthWeakSharedSecret" in run.stdout + run.stderr


def test_every_query_parses_when_checked_by_promtool(tmp_path):
    """Each query (rules, analysis, dashboard, runbook, demo) as a recording rule for promtool."""
    queries = all_queries()
    rules = [{"record": f"query:{n}", "expr": expr} for n, (_, expr) in enumerate(queries)]
    (tmp_path / "queries.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "queries", "rules": rules}]})
    )

    run = _promtool("check", "rules", "queries.yaml", cwd=tmp_path)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"SUCCESS: {len(queries)} rules found" in run.stdout


def test_promtool_check_refuses_a_broken_expression(tmp_path):
    broken = {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "sum(rate(x[5m])"}]}]}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken))

    run = _promtool("check", "rules", "broken.yaml", cwd=tmp_path)

    assert run.returncode != 0


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_canary_alerts_on_istio_metrics_fire_as_expected_while_v1_is_stable(overlay, tmp_path):
    directory = _rules_dir(overlay, tmp_path, "first-sync", V1_STABLE_RULE_TESTS)

    check = _promtool("check", "rules", "rules.yaml", cwd=directory)
    run = _promtool("test", "rules", V1_STABLE_RULE_TESTS.name, cwd=directory)

    assert check.returncode == 0, check.stdout + check.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in check.stdout
    assert run.returncode == 0, run.stdout + run.stderr


def test_v1_stable_unit_tests_cover_both_canary_alerts_firing_and_not_firing():
    cases = [
        case
        for test in yaml.safe_load(V1_STABLE_RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
    ]

    assert {case["alertname"] for case in cases if case["exp_alerts"]} == CANARY_ALERTS
    assert {case["alertname"] for case in cases if not case["exp_alerts"]} == CANARY_ALERTS


def test_istio_unit_tests_fail_against_the_rules_on_our_own_metrics(tmp_path):
    directory = _rules_dir(API_OVERLAYS[0], tmp_path, "promoted", V1_STABLE_RULE_TESTS)

    run = _promtool("test", "rules", V1_STABLE_RULE_TESTS.name, cwd=directory)

    assert run.returncode != 0
    assert "AuthCanaryErrorRatioAboveStable" in run.stdout + run.stderr
