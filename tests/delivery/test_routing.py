from __future__ import annotations

import functools
import json
import shutil

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.delivery.app_routes import app_routes, sample_path, serves
from tests.delivery.istio import Request, denied_without_principal, route
from tests.delivery.manifests import (
    API_OVERLAYS,
    DOMAINS,
    OVERLAYS,
    containers,
    kustomize,
    labels_match,
    of_kind,
    one,
    pod_labels,
    render,
    track,
)

HOSTS = {"auth/dev": "api.dev.growbin.app", "auth/prod": "api.growbin.app"}
HEALTH = "/api/v1/auth/health"
STABLE_ONLY = {"stable": 100}
PROTECTED = {"/me", "/sessions", "/sessions/{session_id}", "/logout-all"}


@functools.cache
def _virtual_service(overlay):
    return one(render(overlay), "VirtualService", "auth-api")


def _service_fqdn(service):
    return f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_selects_both_tracks(overlay):
    docs = render(overlay)
    [service] = of_kind(docs, "Service")
    selected = {
        track(d)
        for d in of_kind(docs, "Deployment")
        if labels_match(service["spec"]["selector"], pod_labels(d))
    }

    assert selected == {"stable", "canary"}
    container_ports = {
        p["name"] for d in of_kind(docs, "Deployment") for c in containers(d) for p in c["ports"]
    }
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_each_destination_rule_subset_selects_exactly_one_deployment(overlay):
    docs = render(overlay)
    [service] = of_kind(docs, "Service")
    rule = one(docs, "DestinationRule", "auth-api")
    behind = [
        d
        for d in of_kind(docs, "Deployment")
        if labels_match(service["spec"]["selector"], pod_labels(d))
    ]

    assert rule["spec"]["host"] == _service_fqdn(service)
    for subset in rule["spec"]["subsets"]:
        chosen = [track(d) for d in behind if labels_match(subset["labels"], pod_labels(d))]
        assert chosen == [subset["name"]]


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_virtual_service_targets_existing_subsets_and_port(overlay):
    docs = render(overlay)
    [service] = of_kind(docs, "Service")
    subsets = {s["name"] for s in one(docs, "DestinationRule", "auth-api")["spec"]["subsets"]}
    virtual_service = _virtual_service(overlay)

    assert virtual_service["spec"]["hosts"] == [HOSTS[overlay]]
    assert virtual_service["spec"]["gateways"] == ["istio-system/eco2-gateway"]
    for rule in virtual_service["spec"]["http"]:
        assert sum(d.get("weight", 100) for d in rule["route"]) == 100
        for destination in rule["route"]:
            assert destination["destination"]["host"] == _service_fqdn(service)
            assert destination["destination"]["subset"] in subsets
            assert destination["destination"]["port"]["number"] in {
                p["port"] for p in service["spec"]["ports"]
            }


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Canary": "true"}, {"canary": 100}),
        ({"x-canary": "true"}, {"canary": 100}),
        ({}, STABLE_ONLY),
        ({"X-Canary": "false"}, STABLE_ONLY),
        ({"X-Canary": "TRUE"}, STABLE_ONLY),
        ({"X-Canary": "true "}, STABLE_ONLY),
        ({"X-Canary-Other": "true"}, STABLE_ONLY),
    ],
)
def test_canary_header_decides_the_track_for_health(overlay, headers, expected):
    request = Request(host=HOSTS[overlay], path=HEALTH, headers=headers)

    assert route(_virtual_service(overlay), request) == expected


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize(
    "path", ["/api/v1/scan/health", "/api/v1/authz", "/api/v1/auth", "/health", "/"]
)
def test_requests_outside_the_auth_prefix_are_not_captured(overlay, path):
    for headers in ({}, {"X-Canary": "true"}):
        assert (
            route(
                _virtual_service(overlay), Request(host=HOSTS[overlay], path=path, headers=headers)
            )
            is None
        )


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_every_api_route_is_reachable_through_the_virtual_service(overlay):
    auth_routes = [r for r in app_routes() if r.path.startswith("/api/v1/auth/")]

    assert HEALTH in {r.path for r in auth_routes}
    for app_route in auth_routes:
        request = Request(host=HOSTS[overlay], path=sample_path(app_route.path))
        assert route(_virtual_service(overlay), request) == STABLE_ONLY, app_route.path


def test_editing_the_one_weight_line_shifts_traffic_gradually(tmp_path):
    shutil.copytree(DOMAINS / "auth", tmp_path / "auth")
    kustomization = tmp_path / "auth" / "prod" / "kustomization.yaml"
    lines = kustomization.read_text().splitlines(keepends=True)
    [index] = [i for i, line in enumerate(lines) if "/weight" in line]
    head, _, patch = lines[index].partition("patch:")
    operations = json.loads(yaml.safe_load(patch))

    assert [operation["value"] for operation in operations] == [100, 0]
    operations[0]["value"], operations[1]["value"] = 90, 10
    lines[index] = f"{head}patch: '{json.dumps(operations)}'\n"
    kustomization.write_text("".join(lines))
    virtual_service = one(kustomize(tmp_path / "auth" / "prod"), "VirtualService", "auth-api")
    canary_request = Request(host="api.growbin.app", path=HEALTH, headers={"X-Canary": "true"})

    assert route(virtual_service, Request(host="api.growbin.app", path=HEALTH)) == {
        "stable": 90,
        "canary": 10,
    }
    assert route(virtual_service, canary_request) == {"canary": 100}


@given(
    value=st.text(max_size=12),
    name=st.sampled_from(["x-canary", "X-Canary", "X-CANARY", "x-CaNaRy"]),
)
def test_only_the_exact_value_true_selects_the_canary(value, name):
    virtual_service = _virtual_service("auth/prod")
    request = Request(host="api.growbin.app", path=HEALTH, headers={name: value})

    assert route(virtual_service, request) == ({"canary": 100} if value == "true" else STABLE_ONLY)


@given(suffix=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=30))
def test_every_path_under_the_auth_prefix_is_captured(suffix):
    request = Request(host="api.growbin.app", path=f"/api/v1/auth/{suffix}")

    assert route(_virtual_service("auth/prod"), request) == STABLE_ONLY


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_probe_paths_exist_in_the_api_route_table(overlay):
    for deployment in of_kind(render(overlay), "Deployment"):
        [container] = containers(deployment)
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            path = container[kind]["httpGet"]["path"]
            assert serves("GET", path), f"{kind} path {path} is not served by the app"


def test_liveness_and_readiness_use_health_and_ready():
    [container] = containers(one(render("auth/prod"), "Deployment", "auth-api"))

    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_authorization_policy_requires_a_principal_only_on_protected_routes(overlay):
    policy = one(render(overlay), "AuthorizationPolicy", "auth-api-require-jwt")
    prefix = "/api/v1/auth"
    auth_routes = [r for r in app_routes() if r.path.startswith(prefix + "/")]

    assert {r.path.removeprefix(prefix) for r in auth_routes} >= PROTECTED
    for app_route in app_routes():
        path = sample_path(app_route.path)
        protected = app_route.path.removeprefix(prefix) in PROTECTED and app_route.path.startswith(
            prefix
        )
        for method in app_route.methods - {"HEAD", "OPTIONS"}:
            assert denied_without_principal(policy, method, path) == protected, (method, path)
        assert not denied_without_principal(policy, "OPTIONS", path)
