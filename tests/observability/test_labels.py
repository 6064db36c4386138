from __future__ import annotations

import asyncio
import re

import pytest

from tests.delivery.manifests import OVERLAYS, of_kind, one, pod_labels, render, track
from tests.observability.sources import Exposition, scrape_live_api, scrape_live_relay

APP_LABELS = {"method", "route", "status", "provider", "result", "outcome", "reason", "state"}
BUILD_LABELS = {"version", "release"}
SERVICES = {"auth": "auth-api", "auth-relay": "auth-relay"}


def _relabel(relabelings: list[dict], meta: dict[str, str]) -> dict[str, str]:
    """Prometheus `replace` relabeling, the only action the ServiceMonitors use."""
    labels = dict(meta)
    for rule in relabelings:
        assert rule.get("action", "replace") == "replace"
        value = rule.get("separator", ";").join(
            labels.get(s, "") for s in rule.get("sourceLabels", [])
        )
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if match:
            replacement = rule.get("replacement", "$1")
            labels[rule["targetLabel"]] = match.expand(re.sub(r"\$(\d+)", r"\\\1", replacement))
    return {k: v for k, v in labels.items() if not k.startswith("__")}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_scrapes_the_metrics_port_of_the_service(overlay):
    docs = render(overlay)
    service = one(docs, "Service", SERVICES[overlay.split("/")[0]])
    [monitor] = of_kind(docs, "ServiceMonitor")
    ports = {port["name"] for port in service["spec"]["ports"]}

    assert monitor["metadata"]["namespace"] == service["metadata"]["namespace"] == "auth"
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == ["auth"]
    assert all(
        service["metadata"]["labels"].get(k) == v
        for k, v in monitor["spec"]["selector"]["matchLabels"].items()
    )
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] in ports
    assert endpoint["path"] == "/metrics"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_scraped_series_carry_the_track_of_their_pod(overlay):
    docs = render(overlay)
    [monitor] = of_kind(docs, "ServiceMonitor")
    [endpoint] = monitor["spec"]["endpoints"]

    for deployment in of_kind(docs, "Deployment"):
        meta = {f"__meta_kubernetes_pod_label_{k}": v for k, v in pod_labels(deployment).items()}
        target = _relabel(endpoint["relabelings"], meta)
        expected_version = "v2" if track(deployment) == "canary" else "v1"
        assert target == {"release": track(deployment), "version": expected_version}


@pytest.fixture(scope="module")
def expositions() -> tuple[Exposition, Exposition]:
    async def both() -> tuple[Exposition, Exposition]:
        return await scrape_live_api(), await scrape_live_relay()

    return asyncio.run(both())


def test_request_metrics_are_labelled_with_small_enums_only(expositions):
    api, relay = expositions
    for exposition in (api, relay):
        for name, labels in exposition.labels.items():
            allowed = APP_LABELS | {"le"} | (BUILD_LABELS if name == "auth_build_info" else set())
            assert labels <= allowed, f"{name}: {labels - allowed}"


def test_route_label_is_a_template_never_a_raw_path(expositions):
    api, _ = expositions
    routes = api.values["route"]

    assert not any(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", route) for route in routes), routes
    assert all(route == "unmatched" or route.startswith("/") for route in routes)
    assert "/no/such" not in " ".join(routes)
