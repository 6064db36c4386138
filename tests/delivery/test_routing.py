from __future__ import annotations

import functools
import json
import re
import shutil

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.delivery import platform
from tests.delivery.app_routes import app_routes, sample_path, serves
from tests.delivery.istio import INGRESS, MESH, Request, matched_rule, retry_attempts, route
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
    render_promoted,
    track,
)

HOSTS = {f"auth/{env}": host for env, host in platform.PUBLIC_HOSTS.items()}
HEALTH = "/api/v1/auth/health"
VERIFY = "/api/v1/auth/verify"
IN_CLUSTER = "auth-api.auth.svc.cluster.local"
STABLE_ONLY = {"stable": 100}
SINGLE_USE = {"/refresh", "/logout", "/logout-all", "/{provider}/callback"}


@functools.cache
def _virtual_service(overlay):
    return one(render(overlay), "VirtualService", "auth-api")


def _service_fqdn(service):
    return f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_shared_service_selects_both_tracks_and_track_services_one_each(overlay):
    # The routing Services; while v1 is stable the component adds one for the sidecars'
    # stats (test_coexistence.py).
    docs = render_promoted(overlay)
    container_ports = {
        p["name"] for d in of_kind(docs, "Deployment") for c in containers(d) for p in c["ports"]
    }
    for service in of_kind(docs, "Service"):
        name = service["metadata"]["name"]
        selected = {
            track(d)
            for d in of_kind(docs, "Deployment")
            if labels_match(service["spec"]["selector"], pod_labels(d))
        }
        expected = {name.rsplit("-", 1)[1]} if name.endswith(("-stable", "-canary")) else None
        assert selected == (expected or {"stable", "canary"}), name
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_each_track_has_its_own_service_for_callers_that_bypass_routing(overlay):
    names = {s["metadata"]["name"] for s in of_kind(render_promoted(overlay), "Service")}

    assert names == {"auth-api", "auth-api-stable", "auth-api-canary"}


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_each_destination_rule_subset_selects_exactly_one_deployment(overlay):
    docs = render(overlay)
    service = one(docs, "Service", "auth-api")
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
def test_virtual_service_binds_gateway_and_mesh_for_public_and_in_cluster_hosts(overlay):
    docs = render(overlay)
    service = one(docs, "Service", "auth-api")
    subsets = {s["name"] for s in one(docs, "DestinationRule", "auth-api")["spec"]["subsets"]}
    virtual_service = _virtual_service(overlay)

    assert virtual_service["spec"]["hosts"] == [HOSTS[overlay], IN_CLUSTER]
    assert virtual_service["spec"]["gateways"] == [platform.GATEWAY, MESH]
    assert _service_fqdn(service) == IN_CLUSTER
    for rule in virtual_service["spec"]["http"]:
        assert sum(d.get("weight", 100) for d in rule["route"]) == 100
        for destination in rule["route"]:
            assert destination["destination"]["host"] == IN_CLUSTER
            assert destination["destination"]["subset"] in subsets
            assert destination["destination"]["port"]["number"] in {
                p["port"] for p in service["spec"]["ports"]
            }


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_every_route_has_an_explicit_timeout(overlay):
    for rule in _virtual_service(overlay)["spec"]["http"]:
        assert re.fullmatch(r"[1-9][0-9]*s", rule.get("timeout", "")), rule["name"]


def _template(path):
    """A route template without Starlette's convertors: `{provider:provider}` -> `{provider}`."""
    return re.sub(r"{(\w+):\w+}", r"{\1}", path)


def _callers(overlay):
    """(gateway, host) pairs: the public host through the ingress, in-cluster names via mesh."""
    return [
        (INGRESS, HOSTS[overlay]),
        (MESH, IN_CLUSTER),
        (MESH, "auth-api.auth"),
        (MESH, "auth-api:8000"),
    ]


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
def test_canary_header_decides_the_track_for_every_caller(overlay, headers, expected):
    for gateway, host in _callers(overlay):
        for path in (HEALTH, VERIFY):
            request = Request(host=host, path=path, headers=headers, gateway=gateway)
            assert route(_virtual_service(overlay), request) == expected, (gateway, host, path)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics", "/api/v1/auth/verify"])
def test_mesh_callers_reach_stable_without_the_header_and_canary_with_it(overlay, path):
    request = Request(host=IN_CLUSTER, path=path, gateway=MESH)
    canary = Request(host=IN_CLUSTER, path=path, gateway=MESH, headers={"X-Canary": "true"})

    assert route(_virtual_service(overlay), request) == STABLE_ONLY
    assert route(_virtual_service(overlay), canary) == {"canary": 100}


@pytest.mark.parametrize("overlay", API_OVERLAYS)
@pytest.mark.parametrize(
    "path", ["/api/v1/scan/health", "/api/v1/authz", "/api/v1/auth", "/health", "/"]
)
def test_ingress_requests_outside_the_auth_prefix_are_not_captured(overlay, path):
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
        for gateway, host in _callers(overlay):
            request = Request(host=host, path=sample_path(app_route.path), gateway=gateway)
            assert route(_virtual_service(overlay), request) == STABLE_ONLY, app_route.path


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_single_use_routes_are_never_retried_and_others_retry_only_unsent_requests(overlay):
    prefix = "/api/v1/auth"
    for app_route in app_routes():
        if not app_route.path.startswith(prefix + "/"):
            continue
        single_use = _template(app_route.path).removeprefix(prefix) in SINGLE_USE
        for method in app_route.methods - {"HEAD", "OPTIONS"}:
            for gateway, host in _callers(overlay):
                for headers in ({}, {"X-Canary": "true"}):
                    path = sample_path(app_route.path) + "?code=c&state=s"
                    request = Request(
                        host=host, path=path, method=method, headers=headers, gateway=gateway
                    )
                    rule = matched_rule(_virtual_service(overlay), request)
                    where = (method, app_route.path, gateway, headers)
                    assert rule is not None, where
                    if single_use:
                        assert rule["retries"] == {"attempts": 0}, where
                    else:
                        assert retry_attempts(rule) > 0, where
                        assert rule["retries"]["retryOn"] == "connect-failure,refused-stream"


def test_single_use_set_names_routes_the_app_serves():
    served = {_template(r.path).removeprefix("/api/v1/auth") for r in app_routes()}

    assert served >= SINGLE_USE
    assert [serves("POST", f"/api/v1/auth{p}") for p in ("/refresh", "/logout", "/logout-all")] == [
        True,
        True,
        True,
    ]


def test_editing_the_one_weight_line_shifts_traffic_gradually(tmp_path):
    shutil.copytree(DOMAINS / "auth", tmp_path / "auth")
    kustomization = tmp_path / "auth" / "prod" / "kustomization.yaml"
    lines = kustomization.read_text().splitlines(keepends=True)
    [index] = [i for i, line in enumerate(lines) if "/weight" in line]
    head, _, patch = lines[index].partition("patch:")
    operations = json.loads(yaml.safe_load(patch))

    assert [operation["value"] for operation in operations] == [100, 0, 100, 0]
    for operation, value in zip(operations, [90, 10, 90, 10], strict=True):
        operation["value"] = value
    lines[index] = f"{head}patch: '{json.dumps(operations)}'\n"
    kustomization.write_text("".join(lines))
    virtual_service = one(kustomize(tmp_path / "auth" / "prod"), "VirtualService", "auth-api")
    canary_request = Request(host="api.growbin.app", path=HEALTH, headers={"X-Canary": "true"})

    for path in (HEALTH, "/api/v1/auth/refresh"):
        request = Request(host="api.growbin.app", path=path)
        assert route(virtual_service, request) == {"stable": 90, "canary": 10}, path
    mesh = Request(host=IN_CLUSTER, path="/ready", gateway=MESH)
    assert route(virtual_service, mesh) == {"stable": 90, "canary": 10}
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
    # v2's probes; while v1 is stable it is probed on v1's /health (test_coexistence.py).
    [container] = containers(one(render_promoted("auth/prod"), "Deployment", "auth-api"))

    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_mesh_jwt_check_stands_in_front_of_the_token_authority(overlay):
    docs = render(overlay)

    assert of_kind(docs, "RequestAuthentication") == []
    for policy in of_kind(docs, "AuthorizationPolicy"):
        text = json.dumps(policy["spec"])
        assert "RequestPrincipals" not in text and "request.auth" not in text, policy
