from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from benchmarks.prometheus_config import Pod, rule_file, scrape_job
from tests.delivery.manifests import (
    API_OVERLAYS,
    OVERLAYS,
    of_kind,
    one,
    pod_labels,
    render,
    render_promoted,
    track,
)
from tests.observability.sources import Exposition, scrape_live_api, scrape_live_relay

APP_LABELS = {"method", "route", "status", "provider", "result", "outcome", "reason", "state"}
BUILD_LABELS = {"version", "release"}
SERVICES = {"auth": "auth-api", "auth-relay": "auth-relay"}


def _relabelled(monitor: dict, deployments: list[dict], directory: Path) -> dict[str, dict]:
    """Each Deployment's pod as a target of the ServiceMonitor, relabelled by promtool."""
    pods = [
        Pod(address=f"10.0.0.{n}:8000", name=d["metadata"]["name"], labels=pod_labels(d))
        for n, d in enumerate(deployments, start=1)
    ]
    job = scrape_job(pods, monitor)
    (directory / "prometheus.yml").write_text(yaml.safe_dump({"scrape_configs": [job]}))
    promtool = shutil.which("promtool")
    assert promtool, "promtool must be on PATH (scripts/ci-tools.sh installs it)"
    run = subprocess.run(
        [promtool, "check", "service-discovery", "--timeout=1s", "prometheus.yml", job["job_name"]],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    targets = [target["labels"] for target in json.loads(run.stdout)]
    # A target dropped by a relabeling comes back without labels.
    return {
        labels["pod"]: {k: v for k, v in labels.items() if not k.startswith("__")}
        for labels in targets
        if labels
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_scrapes_the_metrics_port_of_the_service(overlay):
    docs = render(overlay)
    service = one(docs, "Service", SERVICES[overlay.split("/")[0]])
    monitor = one(docs, "ServiceMonitor", SERVICES[overlay.split("/")[0]])
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
def test_scraped_series_carry_the_track_of_their_pod(overlay, tmp_path):
    docs = render_promoted(overlay)
    monitor = one(docs, "ServiceMonitor", SERVICES[overlay.split("/")[0]])
    deployments = of_kind(docs, "Deployment")

    targets = _relabelled(monitor, deployments, tmp_path)

    assert set(targets) == {d["metadata"]["name"] for d in deployments}
    for deployment in deployments:
        labels = targets[deployment["metadata"]["name"]]
        expected_version = "v2" if track(deployment) == "canary" else "v1"
        assert (labels["release"], labels["version"]) == (track(deployment), expected_version)
        assert (labels["namespace"], labels["job"]) == ("auth", SERVICES[overlay.split("/")[0]])


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_v1_pods_are_no_target_while_v1_is_stable(overlay, tmp_path):
    docs = render(overlay)
    monitor = one(docs, "ServiceMonitor", SERVICES[overlay.split("/")[0]])

    targets = _relabelled(monitor, of_kind(docs, "Deployment"), tmp_path)

    assert set(targets) == {"auth-api-canary"}
    assert targets["auth-api-canary"]["version"] == "v2"


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


def test_demo_prometheus_configuration_passes_promtool_check(tmp_path):
    pods = [
        Pod(
            address="127.0.0.1:8001", name="auth-api-1", labels={"app": "auth-api", "version": "v1"}
        ),
        Pod(
            address="127.0.0.1:8002",
            name="auth-api-canary-1",
            labels={"app": "auth-api", "version": "v2", "release": "canary"},
        ),
    ]
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rule_file()))
    config = {"scrape_configs": [scrape_job(pods)], "rule_files": ["rules.yml"]}
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))

    run = subprocess.run(
        [shutil.which("promtool") or "promtool", "check", "config", "prometheus.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS: 7 rules found" in run.stdout
