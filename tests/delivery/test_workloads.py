from __future__ import annotations

import asyncio
import json
import re

import pytest
import yaml
from prometheus_client import CollectorRegistry

from apps.auth_relay.infrastructure.uvicorn_probe_server import UvicornProbeServer, probe_app
from tests.delivery import platform
from tests.delivery.manifests import (
    API_OVERLAYS,
    DOMAINS,
    OVERLAYS,
    RELAY_OVERLAYS,
    REPO_ROOT,
    configmap_data,
    containers,
    labels_match,
    of_kind,
    one,
    pod_labels,
    render,
    track,
    workloads,
)

DOCKERFILES = {"auth": "apps/auth/Dockerfile", "auth-relay": "apps/auth_relay/Dockerfile"}
REGISTRY = "docker.io/mng990/eco2:"


def _dockerfile(overlay: str) -> str:
    return (REPO_ROOT / DOCKERFILES[overlay.split("/")[0]]).read_text()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_canary_image_differs_from_stable_when_overlay_is_rendered(overlay):
    deployments = of_kind(render(overlay), "Deployment")
    images = {track(d): [c["image"] for c in containers(d)] for d in deployments}

    assert sorted(images) == ["canary", "stable"]
    assert images["canary"] != images["stable"]
    assert all(image.startswith(REGISTRY) for image in images["canary"] + images["stable"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_tracks_carry_the_seed_labels(overlay):
    deployments = {track(d): d for d in of_kind(render(overlay), "Deployment")}
    app = pod_labels(deployments["stable"])["app"]

    assert labels_match({"app": app, "version": "v1"}, pod_labels(deployments["stable"]))
    assert "release" not in pod_labels(deployments["stable"])
    assert labels_match(
        {"app": app, "version": "v2", "release": "canary"}, pod_labels(deployments["canary"])
    )
    for deployment in deployments.values():
        selector = deployment["spec"]["selector"]["matchLabels"]
        others = [d for d in deployments.values() if d is not deployment]
        assert not any(labels_match(selector, pod_labels(other)) for other in others)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_container_runs_as_root(overlay):
    for workload in workloads(render(overlay)):
        pod = workload["spec"]["template"]["spec"]
        for container in containers(workload):
            context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
            name = f"{workload['metadata']['name']}/{container['name']}"
            assert context.get("runAsNonRoot") is True, name
            assert context.get("runAsUser", 0) != 0, name
            assert context.get("allowPrivilegeEscalation") is False, name
            assert context.get("readOnlyRootFilesystem") is True, name
            assert context.get("privileged", False) is False, name
            assert context.get("capabilities", {}).get("drop") == ["ALL"], name
            assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault", name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_run_as_the_uid_the_image_declares(overlay):
    user = re.search(r"^USER\s+(\d+)", _dockerfile(overlay), re.MULTILINE)
    assert user, "the Dockerfile must declare a numeric USER"
    for workload in workloads(render(overlay)):
        assert workload["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == int(
            user.group(1)
        )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits(overlay):
    for workload in workloads(render(overlay)):
        for container in containers(workload):
            resources = container.get("resources", {})
            assert {"cpu", "memory"} <= set(resources.get("requests", {})), container["name"]
            assert {"cpu", "memory"} <= set(resources.get("limits", {})), container["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probe_ports_are_the_port_the_image_listens_on(overlay):
    cmd = re.search(r"^CMD\s+(\[.*\])", _dockerfile(overlay), re.MULTILINE)
    assert cmd
    argv = json.loads(cmd.group(1))
    for deployment in of_kind(render(overlay), "Deployment"):
        [container] = containers(deployment)
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = container[kind]["httpGet"]["port"]
            number = ports.get(port, port)
            assert number in ports.values(), f"{kind} port {port} is not a container port"
            if "--port" in argv:
                assert number == int(argv[argv.index("--port") + 1])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_track_has_its_own_disruption_budget_and_spread(overlay):
    docs = render(overlay)
    budgets = of_kind(docs, "PodDisruptionBudget")
    for deployment in of_kind(docs, "Deployment"):
        labels = pod_labels(deployment)
        covering = [
            b for b in budgets if labels_match(b["spec"]["selector"]["matchLabels"], labels)
        ]
        assert len(covering) == 1, deployment["metadata"]["name"]
        assert covering[0]["spec"].get("maxUnavailable") == 1
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread
        for constraint in spread:
            assert labels_match(constraint["labelSelector"]["matchLabels"], labels)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_each_api_track_has_an_autoscaler_bounding_its_replicas(overlay):
    docs = render(overlay)
    for deployment in of_kind(docs, "Deployment"):
        name = deployment["metadata"]["name"]
        [hpa] = [
            h
            for h in of_kind(docs, "HorizontalPodAutoscaler")
            if h["spec"]["scaleTargetRef"]["name"] == name
        ]
        spec = hpa["spec"]
        replicas = deployment["spec"]["replicas"]
        assert spec["scaleTargetRef"]["kind"] == "Deployment"
        # An autoscaler leaves a Deployment at zero alone, so a parked canary stays parked.
        assert replicas == 0 or 1 <= spec["minReplicas"] <= replicas
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
    assert len(of_kind(docs, "HorizontalPodAutoscaler")) == len(of_kind(docs, "Deployment"))


def _pre_stop_seconds(container) -> int:
    pre_stop = container.get("lifecycle", {}).get("preStop")
    if not pre_stop:
        return 0
    assert "sleep" not in pre_stop, "preStop.sleep needs Kubernetes 1.29; the platform runs 1.28"
    command = pre_stop["exec"]["command"]
    assert command[0] == "sleep" and len(command) == 2, command
    return int(command[1])


def _drain_seconds(deployment) -> int:
    proxy = yaml.safe_load(
        deployment["spec"]["template"]["metadata"]["annotations"]["proxy.istio.io/config"]
    )
    assert proxy["holdApplicationUntilProxyStarts"] is True
    drain = re.fullmatch(r"(\d+)s", proxy["terminationDrainDuration"])
    assert drain, "the sidecar drain duration must be set explicitly, in seconds"
    return int(drain.group(1))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_termination_grace_covers_prestop_and_mesh_drain(overlay):
    for deployment in of_kind(render(overlay), "Deployment"):
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        [container] = containers(deployment)
        assert grace > _pre_stop_seconds(container) + _drain_seconds(deployment)


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_api_waits_in_prestop_with_the_image_sleep_binary(overlay):
    for deployment in of_kind(render(overlay), "Deployment"):
        [container] = containers(deployment)
        assert _pre_stop_seconds(container) >= 5


@pytest.mark.parametrize("overlay", RELAY_OVERLAYS)
def test_relay_sidecar_outlives_the_relays_own_shutdown(overlay):
    docs = render(overlay)
    grace = float(configmap_data(docs)["RELAY_SHUTDOWN_GRACE_SECONDS"])
    for deployment in of_kind(docs, "Deployment"):
        assert _drain_seconds(deployment) >= grace, deployment["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_schedule_on_their_tainted_pool_and_pull_with_the_platform_secret(overlay):
    pool = platform.NODE_POOLS[overlay.split("/")[0]]
    for workload in workloads(render(overlay)):
        pod = workload["spec"]["template"]["spec"]
        name = workload["metadata"]["name"]
        assert pod["nodeSelector"] == {"domain": pool}, name
        taint = {"key": "domain", "value": pool, "effect": "NoSchedule"}
        assert any(
            {k: t.get(k) for k in taint} == taint and t.get("operator") == "Equal"
            for t in pod["tolerations"]
        ), name
        assert pod["imagePullSecrets"] == [{"name": platform.PULL_SECRET}], name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_canary_deployments_start_at_zero_replicas(overlay):
    deployments = {track(d): d for d in of_kind(render(overlay), "Deployment")}

    assert deployments["canary"]["spec"]["replicas"] == 0
    assert deployments["stable"]["spec"]["replicas"] >= 1


@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_migration_job_runs_as_sync_hook_before_the_new_pods(overlay):
    docs = render(overlay)
    job = one(docs, "Job", "auth-api-migrate")
    annotations = job["metadata"]["annotations"]

    def wave(doc):
        return int(doc["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))

    # Sync, not PreSync: the Job needs this sync's ConfigMap and Secret (RUNBOOK: Schema).
    assert annotations["argocd.argoproj.io/hook"] == "Sync"
    assert "BeforeHookCreation" in annotations["argocd.argoproj.io/hook-delete-policy"]
    assert all(wave(job) < wave(d) for d in of_kind(docs, "Deployment"))
    [container] = containers(job)
    needed = {
        source.get("configMapRef", source.get("secretRef", {})).get("name")
        for source in container["envFrom"]
    }
    needed.add(job["spec"]["template"]["spec"]["serviceAccountName"])
    for kind in ("ConfigMap", "ExternalSecret", "ServiceAccount"):
        for doc in of_kind(docs, kind):
            target = doc["spec"]["target"]["name"] if kind == "ExternalSecret" else None
            if {doc["metadata"]["name"], target} & needed:
                assert wave(doc) < wave(job), doc["metadata"]["name"]
    assert "auth-api-previous-keys" not in needed
    assert container["command"] == ["python", "-m", "apps.auth.setup.migrate"]
    assert (REPO_ROOT / "apps/auth/setup/migrate.py").is_file()
    # The hook's own images entry, a pinned v2 build in every state (test_coexistence.py).
    [entry] = [
        e
        for e in yaml.safe_load((DOMAINS / overlay / "kustomization.yaml").read_text())["images"]
        if e["name"] == "auth-api-migrate"
    ]
    assert container["image"] == f"{entry['newName']}:{entry['newTag']}"
    assert job["spec"]["template"]["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"


async def _ready() -> bool:
    return True


async def _status(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


@pytest.mark.parametrize("overlay", RELAY_OVERLAYS)
async def test_relay_probe_paths_are_served_by_the_relay_probe_server(overlay):
    app = probe_app(live=lambda: True, ready=_ready, registry=CollectorRegistry())
    server = UvicornProbeServer(app=app, host="127.0.0.1", port=0)
    await server.start()
    try:
        for deployment in of_kind(render(overlay), "Deployment"):
            [container] = containers(deployment)
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert await _status(server.port, container[kind]["httpGet"]["path"]) == 200, kind
            assert (
                container["livenessProbe"]["httpGet"]["path"]
                != container["readinessProbe"]["httpGet"]["path"]
            )
    finally:
        await server.close()
