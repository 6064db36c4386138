"""The monitoring objects are picked up by the platform's Prometheus (see platform.py)."""

from __future__ import annotations

import pytest

from tests.delivery.manifests import (
    API_OVERLAYS,
    ENVIRONMENTS,
    OVERLAYS,
    environment_of,
    of_kind,
    render,
)
from tests.observability.platform import PLATFORM, prometheus_url
from tests.observability.sources import RUNBOOK, analysis_templates


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_prometheus_rule_is_loaded_when_the_platform_selects_rules_by_helm_release(overlay):
    platform = PLATFORM[environment_of(overlay)]
    [rule] = of_kind(render(overlay), "PrometheusRule")

    assert _selects(platform["rule_selector"], rule["metadata"]["labels"])
    watched = platform["rule_namespaces"]
    assert watched is None or rule["metadata"]["namespace"] in watched


def test_prometheus_rule_of_one_environment_is_not_loaded_by_the_other_platform():
    [dev_rule] = of_kind(render("auth/dev"), "PrometheusRule")
    [prod_rule] = of_kind(render("auth/prod"), "PrometheusRule")

    assert not _selects(PLATFORM["prod"]["rule_selector"], dev_rule["metadata"]["labels"])
    assert not _selects(PLATFORM["dev"]["rule_selector"], prod_rule["metadata"]["labels"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_is_selected_when_its_namespace_is_watched(overlay):
    platform = PLATFORM[environment_of(overlay)]
    monitors = of_kind(render(overlay), "ServiceMonitor")

    assert monitors
    for monitor in monitors:
        labels = monitor["metadata"].get("labels", {})
        assert _selects(platform["service_monitor_selector"], labels)
        assert monitor["metadata"]["namespace"] in platform["service_monitor_namespaces"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_analysis_template_queries_the_platform_prometheus(env):
    addresses = {
        m["provider"]["prometheus"]["address"]
        for template in analysis_templates()
        for m in template["spec"]["metrics"]
    }

    assert addresses == {prometheus_url(env)}
    assert addresses == {"http://prometheus-operated.prometheus.svc:9090"}


def test_runbook_names_the_address_the_template_uses():
    assert f"`{prometheus_url('prod')}`" in RUNBOOK.read_text()
