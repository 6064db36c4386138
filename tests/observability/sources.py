"""Where the observability PromQL lives, and what the live API and relay expose."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

import httpx
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from apps.auth.setup.app_factory import create_app
from apps.auth.setup.settings import Settings
from apps.auth.tests.support import BASE_URL, bearer, dev_login, refresh_header
from apps.auth_relay.application.ports import WorkerState
from apps.auth_relay.application.trim_outbox import TrimOutboxResult
from apps.auth_relay.infrastructure.prometheus_observer import PrometheusRelayObserver
from apps.auth_relay.infrastructure.uvicorn_probe_server import UvicornProbeServer, probe_app
from benchmarks.canary_report import ROWS
from tests.delivery.manifests import (
    API_OVERLAYS,
    DOMAINS,
    Doc,
    kustomize,
    of_kind,
    render,
    render_promoted,
)

RUNBOOK = DOMAINS / "auth" / "RUNBOOK.md"
ANALYSIS_DIR = DOMAINS / "auth" / "analysis"
API = "/api/v1/auth"
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def analysis_templates() -> list[Doc]:
    return of_kind(kustomize(ANALYSIS_DIR), "AnalysisTemplate")


# The template for a canary beside v2 stable (our own metrics), and beside v1 (Istio's).
OWN_METRICS_TEMPLATE = "auth-api-canary-vs-stable"
V1_STABLE_TEMPLATE = "auth-api-canary-vs-v1"


def analysis_template(name: str) -> Doc:
    [template] = [t for t in analysis_templates() if t["metadata"]["name"] == name]
    return template


def dashboards(docs: list[Doc]) -> dict[str, dict]:
    return {
        name: json.loads(text)
        for configmap in of_kind(docs, "ConfigMap")
        if configmap["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
        for name, text in configmap["data"].items()
    }


def panel_queries(dashboard: dict) -> list[tuple[str, str]]:
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            found.append((f"panel {panel['title']!r} {target['refId']}", expr))
    return found


def all_queries() -> list[tuple[str, str]]:
    """(where, PromQL) for every query in manifests, dashboard, runbook and demo."""
    queries: list[tuple[str, str]] = []
    docs = render(API_OVERLAYS[-1])
    # The rules while stable is v1 (as committed) and after promotion (our own metrics).
    for state_docs in (docs, render_promoted(API_OVERLAYS[-1])):
        for rule in of_kind(state_docs, "PrometheusRule"):
            for group in rule["spec"]["groups"]:
                for item in group["rules"]:
                    name = item.get("alert") or item.get("record")
                    queries.append((f"rule {name}", item["expr"]))
    for template in analysis_templates():
        for metric in template["spec"]["metrics"]:
            queries.append(
                (f"analysis {metric['name']}", metric["provider"]["prometheus"]["query"])
            )
    for dashboard in dashboards(docs).values():
        queries.extend(panel_queries(dashboard))
    blocks = re.findall(r"```promql\n(.*?)```", RUNBOOK.read_text(), re.DOTALL)
    for index, block in enumerate(blocks):
        queries.append((f"runbook block {index + 1}", block))
    queries.extend((f"demo row {title}", query) for title, query, _ in ROWS)
    return queries


@dataclass
class Exposition:
    names: set[str] = field(default_factory=set)
    labels: dict[str, set[str]] = field(default_factory=dict)
    values: dict[str, set[str]] = field(default_factory=dict)

    def add(self, text: str) -> None:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.names.add(sample.name)
                self.labels.setdefault(sample.name, set()).update(sample.labels)
                for key, value in sample.labels.items():
                    self.values.setdefault(key, set()).add(value)


async def scrape_live_api() -> Exposition:
    """An embedded-mode app after a login, verifies, a refresh, a logout and odd paths."""
    settings = Settings(environment="test", public_base_url=BASE_URL, enabled_providers="dev")
    app = create_app(settings)
    exposition = Exposition()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            user = await dev_login(client)
            client.cookies.clear()
            await client.get(f"{API}/verify", headers=bearer(user.access))
            await client.get(f"{API}/verify", headers=bearer("not-a-token"))
            await client.delete(f"{API}/sessions/{uuid.uuid4()}", headers=bearer(user.access))
            rotated = await client.post(f"{API}/refresh", headers=refresh_header(user.refresh))
            client.cookies.clear()
            await client.post(f"{API}/logout", headers=bearer(rotated.cookies["s_access"]))
            await client.get(f"/no/such/{uuid.uuid4()}")
            exposition.add((await client.get("/metrics")).text)
    finally:
        await app.state.runtime.aclose()
    return exposition


async def scrape_live_relay() -> Exposition:
    """The relay's probe server over HTTP, its observer having seen one of everything."""
    registry = CollectorRegistry()
    observer = PrometheusRelayObserver(registry=registry)
    observer.batch_failed(attempted=2, confirmed=1)
    observer.dead_lettered.labels(reason="malformed").inc()
    observer.outbox_inspected(TrimOutboxResult(trimmed=1, backlog=3, lag_seconds=2.5, min_id=None))
    observer.state_changed(WorkerState.RELAYING)

    async def ready() -> bool:
        return True

    probe = UvicornProbeServer(
        app=probe_app(live=lambda: True, ready=ready, registry=registry), host="127.0.0.1", port=0
    )
    await probe.start()
    exposition = Exposition()
    try:
        async with httpx.AsyncClient() as client:
            exposition.add((await client.get(f"http://127.0.0.1:{probe.port}/metrics")).text)
    finally:
        await probe.close()
    return exposition
