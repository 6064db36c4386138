"""v1 keeps serving as stable under our manifests until promotion, on Eco²'s platform as it is.

The facts about v1 come from tests/delivery/v1.py, the platform's from platform.py; the
manifests are rendered in each state of the cut-over (manifests.STATES).
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from tests.delivery import platform, v1
from tests.delivery.manifests import (
    API_OVERLAYS,
    APPSETS,
    DOMAINS,
    ENVIRONMENTS,
    OVERLAYS,
    RELAY_OVERLAYS,
    STATES,
    V1_STABLE_LINE,
    containers,
    environment_of,
    kustomize,
    labels_match,
    load_yaml_documents,
    of_kind,
    one,
    pod_labels,
    render,
    render_state,
)

REGISTRY = "docker.io/mng990/eco2"
# The immutable tags .github/scripts/image_tags.py gives a v2 build: develop `-dev-<sha7>`,
# main `-v<version>-<sha7>`, a canary `-<env>-canary-<sha7>`. v1's tags carry six hex digits
# and no `v` before the version (v1.API_IMAGE), so neither is mistaken for the other.
V2_IMMUTABLE = re.compile(
    rf"{re.escape(REGISTRY)}:(?P<image>auth-api|auth-relay)-"
    r"(dev-[0-9a-f]{7}|v\d+\.\d+\.\d+-[0-9a-f]{7}|(dev|prod)-canary-[0-9a-f]{7})"
)


def _container(docs, kind, name):
    [container] = containers(one(docs, kind, name))
    return container


def _probe_paths(container) -> set[str]:
    return {
        container[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")
    }


def _port_number(container, port) -> int:
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    return named.get(port, port)


# --- 1. v1 under our stable Deployment --------------------------------------------------


@pytest.mark.parametrize("state", ["first-sync", "canary"])
@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_stable_pods_carry_every_variable_v1_reads_while_the_component_is_on(overlay, state):
    docs = render_state(overlay, state)
    environment = environment_of(overlay)
    container = _container(docs, "Deployment", "auth-api")
    sources = {
        ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in container["envFrom"]
    }
    config = one(docs, "ConfigMap", "auth-config")["data"]
    env = {item["name"]: item["value"] for item in container["env"]}
    available = set(config) | v1.AUTH_SECRET_KEYS[environment] | set(env)

    assert sources == {"auth-config", platform.PLATFORM_SECRET}
    assert available >= v1.API_READS, sorted(v1.API_READS - available)
    assert {key: config[key] for key in v1.AUTH_CONFIG[environment]} == v1.AUTH_CONFIG[environment]
    assert env == v1.API_ENV


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_stable_runs_v1s_immutable_image_probed_on_health_within_v1s_limits(overlay):
    docs = render(overlay)
    container = _container(docs, "Deployment", "auth-api")
    ours = container["resources"]
    theirs = v1.API_RESOURCES[environment_of(overlay)]

    assert container["image"] == v1.API_IMAGE
    assert _probe_paths(container) == {v1.HEALTH_PATH}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert _port_number(container, container[probe]["httpGet"]["port"]) == v1.PORT
    assert ours["limits"] == theirs["limits"]
    assert _mi(ours["requests"]["memory"]) <= _mi(theirs["requests"]["memory"])
    assert "release" not in pod_labels(one(docs, "Deployment", "auth-api"))


def _mi(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_promotion_removes_one_line_and_changes_only_the_stable_track(overlay):
    text = (DOMAINS / overlay / "kustomization.yaml").read_text()
    before, after = render_state(overlay, "first-sync"), render_state(overlay, "promoted")

    assert text.count(V1_STABLE_LINE) == 1
    changed = {(doc["kind"], doc["metadata"]["name"]) for doc in before if doc not in after}
    assert changed == {
        ("Deployment", "auth-api"),
        ("ServiceMonitor", "auth-api"),
        ("PrometheusRule", "auth-api"),
        ("Service", "auth-api-envoy-stats"),
        ("ServiceMonitor", "auth-api-envoy-stats"),
    }
    names = {(d["kind"], d["metadata"]["name"]) for d in after}
    assert names == {(d["kind"], d["metadata"]["name"]) for d in before} - {
        ("Service", "auth-api-envoy-stats"),
        ("ServiceMonitor", "auth-api-envoy-stats"),
    }
    promoted = _container(after, "Deployment", "auth-api")
    assert promoted["image"] != v1.API_IMAGE
    assert "auth-config" not in yaml.safe_dump(promoted["envFrom"])
    assert "/ready" in _probe_paths(promoted)
    assert (
        one(before, "Deployment", "auth-api")["spec"]["selector"]
        == one(after, "Deployment", "auth-api")["spec"]["selector"]
    )


# --- 2. selectors and labels equal v1's ----------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_selects_exactly_what_v1s_selects(overlay, state):
    docs = render_state(overlay, state)
    environment = environment_of(overlay)
    deployments = of_kind(docs, "Deployment")

    assert {d["metadata"]["name"] for d in deployments} <= set(v1.DEPLOYMENTS)
    assert len(deployments) == 2
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        assert deployment["spec"]["selector"] == {"matchLabels": v1.selector(name, environment)}
        assert labels_match(v1.pod_labels(name, environment), pod_labels(deployment)), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_keeps_v1s_common_labels(overlay):
    environment = environment_of(overlay)
    common = v1.API_COMMON if overlay.startswith("auth/") else v1.RELAY_COMMON
    expected = {**common, "environment": environment}

    for doc in render(overlay):
        labels = doc["metadata"].get("labels", {})
        assert labels_match(expected, labels), (doc["kind"], doc["metadata"]["name"])


# --- 3. the stable relay is v2 from the first sync, on an admitted port -------------------


@pytest.mark.parametrize("overlay", RELAY_OVERLAYS)
def test_stable_relay_runs_an_immutable_v2_build_from_the_first_sync(overlay):
    docs = render(overlay)
    image = _container(docs, "Deployment", "auth-relay")["image"]
    match = V2_IMMUTABLE.fullmatch(image)

    assert match and match["image"] == "auth-relay", image
    assert image != v1.RELAY_IMAGES[environment_of(overlay)]
    assert one(docs, "Deployment", "auth-relay")["spec"]["replicas"] >= 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_metrics_and_probes_use_a_port_the_platform_admits_from_prometheus(overlay):
    docs = render(overlay)
    for monitor in of_kind(docs, "ServiceMonitor"):
        [endpoint] = monitor["spec"]["endpoints"]
        selector = monitor["spec"]["selector"]["matchLabels"]
        for service in of_kind(docs, "Service"):
            if not labels_match(selector, service["metadata"]["labels"]):
                continue
            [port] = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
            if port["targetPort"] == platform.SIDECAR_STATS_PORT:
                # The sidecars' port: admitted from istio-system only, a platform change.
                assert f"`{platform.SIDECAR_STATS_PORT}`" in _platform_changes()
                continue
            for deployment in of_kind(docs, "Deployment"):
                if not labels_match(service["spec"]["selector"], pod_labels(deployment)):
                    continue
                [container] = containers(deployment)
                if container["image"] == v1.API_IMAGE:
                    continue
                number = _port_number(container, port["targetPort"])
                assert number in platform.SCRAPE_PORTS_ADMITTED, (
                    monitor["metadata"]["name"],
                    number,
                )
                for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                    number = _port_number(container, container[probe]["httpGet"]["port"])
                    assert number in platform.SCRAPE_PORTS_ADMITTED, (probe, number)


def _platform_changes() -> str:
    text = (DOMAINS / "auth" / "RUNBOOK.md").read_text()
    start = text.index("### Platform changes")
    return text[start : text.index("\n## ", start)]


def test_the_relays_former_port_would_not_be_admitted():
    assert 9100 not in platform.SCRAPE_PORTS_ADMITTED


# --- 4. the migration hook always runs a pinned v2 build -----------------------------------


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_migration_hook_runs_the_same_immutable_v2_build_in_every_state(overlay):
    images = {
        state: _container(render_state(overlay, state), "Job", "auth-api-migrate")["image"]
        for state in STATES
    }

    assert len(set(images.values())) == 1, images
    match = V2_IMMUTABLE.fullmatch(images["first-sync"])
    assert match and match["image"] == "auth-api", images
    stable = {
        state: _container(render_state(overlay, state), "Deployment", "auth-api")["image"]
        for state in STATES
    }
    assert stable["first-sync"] == v1.API_IMAGE != images["first-sync"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_image_updater_never_writes_the_hooks_image(environment):
    text = APPSETS[environment].read_text()

    assert "auth-api-migrate" not in text
    assert (
        "auth-api-migrate"
        not in (
            DOMAINS.parents[1]
            / "clusters"
            / environment
            / "image-updater"
            / "auth-image-updater.yaml"
        ).read_text()
    )


# --- 5. canary judged on Istio's telemetry while stable is v1 -----------------------------


def _canary_group(docs):
    [rule] = of_kind(docs, "PrometheusRule")
    [group] = [g for g in rule["spec"]["groups"] if g["name"] == "auth-api-canary"]
    return {r["alert"]: r["expr"] for r in group["rules"]}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_canary_alerts_read_istio_while_v1_is_stable_and_our_metrics_after(overlay, state):
    alerts = _canary_group(render_state(overlay, state))

    assert set(alerts) == {"AuthCanaryErrorRatioAboveStable", "AuthCanaryLatencyAboveStable"}
    for expr in alerts.values():
        if state == "promoted":
            assert "auth_http_request" in expr and "istio_" not in expr
        else:
            assert "auth_http_request" not in expr
            assert 'destination_version="v1"' in expr and 'destination_version="v2"' in expr
    if state != "promoted":
        assert "response_code" in alerts["AuthCanaryErrorRatioAboveStable"]
        assert (
            "istio_request_duration_milliseconds_bucket" in alerts["AuthCanaryLatencyAboveStable"]
        )


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_the_istio_series_the_canary_alerts_read_are_scraped_from_both_tracks(overlay):
    docs = render(overlay)
    monitor = one(docs, "ServiceMonitor", "auth-api-envoy-stats")
    [endpoint] = monitor["spec"]["endpoints"]
    [service] = [
        s
        for s in of_kind(docs, "Service")
        if labels_match(monitor["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])
    ]
    [port] = [p for p in service["spec"]["ports"] if p["name"] == endpoint["port"]]
    [keep] = [r for r in endpoint["metricRelabelings"] if r["action"] == "keep"]
    used = {
        name
        for expr in _canary_group(docs).values()
        for name in re.findall(r"\b(istio_[a-z_]+)\{", expr)
    }

    assert port["targetPort"] == platform.SIDECAR_STATS_PORT
    assert endpoint["path"] == "/stats/prometheus"
    for deployment in of_kind(docs, "Deployment"):
        assert labels_match(service["spec"]["selector"], pod_labels(deployment))
        annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
        assert pod_labels(deployment)["sidecar.istio.io/inject"] == "true"
        assert "sidecar.istio.io/proxyCPU" in annotations
    assert used == {"istio_requests_total", "istio_request_duration_milliseconds_bucket"}
    assert all(re.fullmatch(keep["regex"], name) for name in used)
    assert not re.fullmatch(keep["regex"], "envoy_cluster_upstream_rq_total")
    promoted = render_state(overlay, "promoted")
    assert not [d for d in promoted if d["metadata"]["name"] == "auth-api-envoy-stats"]


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_v1_pods_are_not_scraped_for_metrics_they_do_not_export(overlay):
    def relabelings(state):
        monitor = one(render_state(overlay, state), "ServiceMonitor", "auth-api")
        return monitor["spec"]["endpoints"][0]["relabelings"]

    drop = {
        "action": "drop",
        "sourceLabels": ["__meta_kubernetes_pod_label_version"],
        "regex": "v1",
    }
    assert drop in relabelings("first-sync")
    assert drop not in relabelings("promoted")


# --- 7. the smaller items -------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_one_scrape_target(overlay, state):
    docs = render_state(overlay, state)
    monitors = of_kind(docs, "ServiceMonitor")

    assert monitors
    for monitor in monitors:
        scraped = [
            s
            for s in of_kind(docs, "Service")
            if labels_match(monitor["spec"]["selector"]["matchLabels"], s["metadata"]["labels"])
        ]
        for deployment in of_kind(docs, "Deployment"):
            through = [
                s["metadata"]["name"]
                for s in scraped
                if labels_match(s["spec"]["selector"], pod_labels(deployment))
            ]
            assert len(through) == 1, (
                monitor["metadata"]["name"],
                deployment["metadata"]["name"],
                through,
            )


def test_without_the_scrape_label_a_pod_would_be_scraped_through_two_services():
    docs = render_state("auth/dev", "promoted")
    services = of_kind(docs, "Service")
    stable = one(docs, "Deployment", "auth-api")

    assert (
        len([s for s in services if labels_match(s["spec"]["selector"], pod_labels(stable))]) == 2
    )


# eco2-team/backend clusters/dev/apps/40-apis-appset.yaml and clusters/prod/apps/60-apis-appset.yaml
PLATFORM_WAVES = {"dev": "40", "prod": "60"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_applicationset_syncs_in_the_platforms_wave_and_leaves_the_namespace_alone(environment):
    [appset] = load_yaml_documents(APPSETS[environment])
    policy = appset["spec"]["template"]["spec"]["syncPolicy"]

    assert (
        appset["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
        == PLATFORM_WAVES[environment]
    )
    assert "managedNamespaceMetadata" not in policy
    assert "CreateNamespace=true" not in policy["syncOptions"]


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_previous_keys_exist_only_in_the_es256_component(overlay, tmp_path):
    assert not [d for d in render(overlay) if d["metadata"]["name"] == "auth-api-previous-keys"]

    domain, environment = overlay.split("/")
    copy = tmp_path / domain
    shutil.copytree(DOMAINS / domain, copy)
    path = copy / environment / "kustomization.yaml"
    path.write_text(path.read_text().replace(V1_STABLE_LINE, V1_STABLE_LINE + "  - es256\n"))
    docs = kustomize(copy / environment)
    external = one(docs, "ExternalSecret", "auth-api-previous-keys")
    [item] = external["spec"]["data"]

    assert item["secretKey"] == "AUTH_JWT_PREVIOUS_PUBLIC_KEYS"
    assert item["remoteRef"]["key"] == f"/sesacthon/{environment}/api/auth/jwt-previous-public-keys"
    assert int(external["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) > 0
    optional = {"secretRef": {"name": "auth-api-previous-keys", "optional": True}}
    assert optional in _container(docs, "Deployment", "auth-api-canary")["envFrom"]
    promoted = render_state(overlay, "promoted")
    assert optional in _container(promoted, "Deployment", "auth-api")["envFrom"]
