from __future__ import annotations

import re

import promql_parser
import pytest

from tests.delivery.manifests import API_OVERLAYS, OVERLAYS, of_kind, render, render_state
from tests.delivery.test_schemas import _problems
from tests.observability.sources import (
    OWN_METRICS_TEMPLATE,
    RUNBOOK,
    V1_STABLE_TEMPLATE,
    all_queries,
    analysis_template,
    analysis_templates,
)

RUNBOOK_URL = "https://github.com/eco2-team/backend/blob/main/workloads/domains/auth/RUNBOOK.md#"
ALERTS = {
    "AuthCanaryErrorRatioAboveStable",
    "AuthCanaryLatencyAboveStable",
    "AuthOutboxLagHigh",
    "AuthOutboxNearCap",
    "AuthRelayDown",
    "AuthReadinessFlapping",
    "AuthWeakSharedSecret",
}


def _anchors() -> set[str]:
    headings = re.findall(r"^#+ (.+)$", RUNBOOK.read_text(), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _alerts(overlay: str, state: str = "first-sync") -> list[dict]:
    return [
        rule
        for doc in of_kind(render_state(overlay, state), "PrometheusRule")
        for group in doc["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


@pytest.mark.parametrize(("where", "query"), all_queries(), ids=lambda v: str(v)[:50])
def test_query_parses_when_read_by_promql_parser(where, query):
    promql_parser.parse(query)


def test_every_kind_of_query_is_collected():
    kinds = {where.split(" ")[0] for where, _ in all_queries()}

    assert kinds == {"rule", "analysis", "panel", "runbook", "demo"}


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_alerts_cover_the_canary_relay_and_pods_when_overlay_is_rendered(overlay):
    assert {rule["alert"] for rule in _alerts(overlay)} == ALERTS


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_every_alert_links_a_runbook_section_that_exists(overlay):
    for rule in _alerts(overlay):
        url = rule["annotations"]["runbook_url"]
        assert url.startswith(RUNBOOK_URL), rule["alert"]
        assert url.removeprefix(RUNBOOK_URL) in _anchors(), f"{rule['alert']}: no section {url}"
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert re.fullmatch(r"\d+m", rule["for"])


@pytest.mark.parametrize(
    ("state", "template_name"),
    [("first-sync", V1_STABLE_TEMPLATE), ("promoted", OWN_METRICS_TEMPLATE)],
)
def test_canary_alerts_and_analysis_compare_the_same_series(state, template_name):
    rules = {rule["alert"]: rule["expr"] for rule in _alerts(API_OVERLAYS[0], state)}
    template = analysis_template(template_name)
    analysis = {
        m["name"]: m["provider"]["prometheus"]["query"] for m in template["spec"]["metrics"]
    }

    def normal(text: str) -> str:
        return re.sub(r"\s+", "", text)

    assert normal(analysis["error-ratio-above-stable"]) in normal(
        rules["AuthCanaryErrorRatioAboveStable"]
    )
    latency = normal(analysis["p99-latency-versus-stable"]).removesuffix("orvector(NaN)")
    assert latency in normal(rules["AuthCanaryLatencyAboveStable"])


@pytest.mark.needs_schemas
def test_analysis_template_validates_against_the_argo_rollouts_schema():
    templates = analysis_templates()

    assert {t["metadata"]["name"] for t in templates} == {OWN_METRICS_TEMPLATE, V1_STABLE_TEMPLATE}
    for template in templates:
        assert template["metadata"]["namespace"] == "auth"
        assert _problems(template) == []


def test_analysis_template_stays_out_of_the_overlays():
    for overlay in OVERLAYS:
        assert of_kind(render(overlay), "AnalysisTemplate") == [], overlay


def test_every_analysis_metric_has_both_conditions_so_low_signal_holds():
    metrics = [m for template in analysis_templates() for m in template["spec"]["metrics"]]

    for metric in metrics:
        assert metric["successCondition"] and metric["failureCondition"], metric["name"]
        assert "prometheus" in metric["provider"]
