from __future__ import annotations

import promql_parser
import pytest

from tests.delivery.manifests import API_OVERLAYS, render
from tests.observability.promql import metric_names, selectors
from tests.observability.sources import (
    Exposition,
    all_queries,
    dashboards,
    panel_queries,
    scrape_live_api,
    scrape_live_relay,
)

TARGET_LABELS = {"namespace", "job", "instance", "release", "version", "pod", "container"}
PLATFORM_METRICS = {
    "up",
    "kube_pod_container_status_restarts_total",
    "kube_pod_status_ready",
    # Istio's standard telemetry, from each pod's sidecar: what the canary is judged on while
    # stable is still v1, which exports no metrics of its own.
    "istio_requests_total",
    "istio_request_duration_milliseconds_bucket",
}
PANEL_TYPES = {"row", "stat", "timeseries"}


@pytest.fixture(scope="module")
def dashboard() -> dict:
    [(name, found)] = dashboards(render(API_OVERLAYS[0])).items()
    assert name.endswith(".json")
    return found


@pytest.fixture(scope="module")
def exposed() -> Exposition:
    import asyncio

    async def both() -> Exposition:
        api, relay = await scrape_live_api(), await scrape_live_relay()
        merged = Exposition()
        for part in (api, relay):
            merged.names |= part.names
            for name, labels in part.labels.items():
                merged.labels.setdefault(name, set()).update(labels)
            for key, values in part.values.items():
                merged.values.setdefault(key, set()).update(values)
        return merged

    return asyncio.run(both())


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_dashboard_ships_in_one_configmap_the_grafana_sidecar_watches(overlay):
    found = dashboards(render(overlay))

    assert len(found) == 1
    [dashboard] = found.values()
    assert dashboard["uid"] == "auth-canary"


def test_dashboard_has_the_fields_grafana_needs(dashboard):
    assert dashboard["title"] and dashboard["schemaVersion"] >= 36
    [variable] = dashboard["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == (
        "datasource",
        "datasource",
        "prometheus",
    )
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["type"] in PANEL_TYPES, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"], panel["title"]
            refs = [target["refId"] for target in panel["targets"]]
            assert len(refs) == len(set(refs)), panel["title"]


def test_dashboard_panels_do_not_overlap(dashboard):
    taken: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


def test_dashboard_shows_every_view_the_canary_decision_needs(dashboard):
    names = set().union(*(metric_names(q) for _, q in panel_queries(dashboard)))

    assert {
        "auth_http_requests_total",
        "auth_http_request_duration_seconds_bucket",
        "auth_logins_total",
        "auth_refresh_reuse_detected_total",
        "auth_verify_total",
        "relay_outbox_lag_seconds",
        "auth_outbox_depth",
        "kube_pod_container_status_restarts_total",
    } <= names
    by_release = [q for _, q in panel_queries(dashboard) if "release" in q]
    assert len(by_release) >= 10


def test_every_panel_query_reads_metrics_the_api_or_relay_expose(dashboard, exposed):
    for where, query in panel_queries(dashboard):
        for name in metric_names(query):
            assert name in exposed.names | PLATFORM_METRICS, f"{where}: {name} is not exposed"


def test_every_panel_matcher_uses_labels_the_series_carry(dashboard, exposed):
    for where, query in panel_queries(dashboard):
        for selector in selectors(promql_parser.parse(query)):
            if selector.name in PLATFORM_METRICS:
                continue
            carried = exposed.labels[selector.name] | TARGET_LABELS
            for matcher in selector.matchers.matchers:
                assert matcher.name in carried, f"{where}: {selector.name} has no {matcher.name}"


def test_route_matchers_select_routes_the_api_reports(exposed):
    routes = exposed.values["route"]

    assert any(route.startswith("/api/v1/auth/") for route in routes)
    assert "/api/v1/auth/sessions/{session_id}" in routes
    assert "unmatched" in routes


def test_every_alert_reads_metrics_the_api_or_relay_expose(exposed):
    rules = [(where, query) for where, query in all_queries() if where.startswith("rule ")]

    assert rules
    for where, query in rules:
        for name in metric_names(query):
            assert name in exposed.names | PLATFORM_METRICS, f"{where}: {name} is not exposed"
