"""What runs on the auth node pool fits it, and draining its one node cannot hang.

The pool and the platform's own pods on it are in platform.py, each with its source; our pods
come from the rendered overlays, counted at their autoscalers' maxima, the migration Job
beside them (it runs while the pods roll), every injected pod with its sidecar.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pytest

from tests.delivery import platform
from tests.delivery.manifests import API_OVERLAYS, STATES, environment_of, of_kind, render_state

POOL = platform.NODE_POOLS["auth"]
SIDECAR_CPU = "sidecar.istio.io/proxyCPU"
SIDECAR_MEMORY = "sidecar.istio.io/proxyMemory"


def _milli(quantity: str) -> int:
    if quantity.endswith("m"):
        return int(quantity[:-1])
    return int(float(quantity) * 1000)


def _mebi(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


@dataclass(frozen=True)
class Pods:
    name: str
    replicas: int
    cpu: int
    memory: int


def _pod_requests(template: dict) -> tuple[int, int]:
    spec, metadata = template["spec"], template["metadata"]
    cpu = sum(_milli(c["resources"]["requests"]["cpu"]) for c in spec["containers"])
    memory = sum(_mebi(c["resources"]["requests"]["memory"]) for c in spec["containers"])
    labels, annotations = metadata.get("labels", {}), metadata.get("annotations", {})
    if labels.get("sidecar.istio.io/inject") != "false":
        default_cpu, default_memory = platform.ISTIO_SIDECAR_DEFAULT
        cpu += _milli(annotations[SIDECAR_CPU]) if SIDECAR_CPU in annotations else default_cpu
        memory += (
            _mebi(annotations[SIDECAR_MEMORY]) if SIDECAR_MEMORY in annotations else default_memory
        )
    return cpu, memory


def our_pods(docs: list[dict]) -> list[Pods]:
    """Our pods on the auth pool: each Deployment at its autoscaler's maximum, each Job once."""
    maxima = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa["spec"]["maxReplicas"]
        for hpa in of_kind(docs, "HorizontalPodAutoscaler")
    }
    pods = []
    for workload in of_kind(docs, "Deployment") + of_kind(docs, "Job"):
        template = workload["spec"]["template"]
        if template["spec"].get("nodeSelector", {}).get("domain") != POOL:
            continue
        name = workload["metadata"]["name"]
        if workload["kind"] == "Job":
            replicas = 1
        else:
            replicas = max(maxima.get(name, 0), workload["spec"]["replicas"])
        pods.append(Pods(name, replicas, *_pod_requests(template)))
    return pods


def platform_pods(environment: str) -> list[Pods]:
    return [
        Pods(name, item["replicas"], *item["requests"])
        for name, item in platform.AUTH_POOL_PLATFORM_PODS[environment].items()
    ]


def allocatable() -> tuple[int, int]:
    nodes = platform.AUTH_POOL_NODES
    memory = (
        platform.AUTH_NODE_MEMORY_MI
        - platform.KUBELET_EVICTION_HARD_MI
        - platform.KERNEL_RESERVE_MI
    )
    return nodes * platform.AUTH_NODE_CPU_MILLI, nodes * memory


def requested(pods: list[Pods]) -> tuple[int, int]:
    return (
        sum(p.replicas * p.cpu for p in pods),
        sum(p.replicas * p.memory for p in pods),
    )


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_pool_requests_at_autoscaler_maxima_fit_the_auth_node(overlay, state):
    docs = render_state(overlay, state)
    ours = our_pods(docs)
    cpu, memory = requested(ours + platform_pods(environment_of(overlay)))
    cpu_limit, memory_limit = allocatable()

    assert {p.name for p in ours} == {"auth-api", "auth-api-canary", "auth-api-migrate"}
    assert cpu <= cpu_limit, f"{cpu}m of {cpu_limit}m: {ours}"
    assert memory <= memory_limit, f"{memory}Mi of {memory_limit}Mi: {ours}"


def test_the_sum_would_overflow_with_istios_default_sidecars():
    docs = render_state("auth/dev", "first-sync")
    for deployment in of_kind(docs, "Deployment"):
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        del annotations[SIDECAR_CPU], annotations[SIDECAR_MEMORY]
    cpu, _ = requested(our_pods(docs) + platform_pods("dev"))

    assert cpu > allocatable()[0]


def test_the_platforms_own_pods_leave_little_of_the_node():
    cpu, memory = requested(platform_pods("dev"))

    assert cpu == 1800 and memory == 1024


def _allowed_disruptions(budget: dict, pods: int) -> int:
    spec = budget["spec"]
    if "maxUnavailable" in spec:
        value = spec["maxUnavailable"]
        if isinstance(value, str) and value.endswith("%"):
            return math.floor(pods * int(value[:-1]) / 100)
        return int(value)
    value = spec["minAvailable"]
    if isinstance(value, str) and value.endswith("%"):
        return pods - math.ceil(pods * int(value[:-1]) / 100)
    return pods - int(value)


def drain_blockers(docs: list[dict], nodes: int) -> list[str]:
    """Budgets a `kubectl drain` of one node would wait on forever.

    With one node, an evicted pod has nowhere to go: it stays Pending, so a budget lets the
    drain through only if it allows every one of its pods on that node to be disrupted at
    once. With more nodes the replacements start elsewhere and the drain proceeds.
    """
    if nodes > 1:
        return []
    pods = {p.name: p.replicas for p in our_pods(docs)}
    labels = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in of_kind(docs, "Deployment")
    }
    blockers = []
    for budget in of_kind(docs, "PodDisruptionBudget"):
        selector = budget["spec"]["selector"]["matchLabels"]
        covered = sum(
            pods.get(name, 0)
            for name, pod_labels in labels.items()
            if all(pod_labels.get(k) == v for k, v in selector.items())
        )
        if covered > _allowed_disruptions(budget, covered):
            blockers.append(budget["metadata"]["name"])
    return blockers


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("overlay", API_OVERLAYS)
def test_draining_the_single_auth_node_cannot_deadlock(overlay, state):
    docs = render_state(overlay, state)

    assert drain_blockers(docs, platform.AUTH_POOL_NODES) == []
    for budget in of_kind(docs, "PodDisruptionBudget"):
        assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def test_a_budget_of_one_over_three_pods_on_one_node_would_deadlock():
    docs = render_state("auth/prod", "promoted")
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        if hpa["metadata"]["name"] == "auth-api":
            hpa["spec"]["maxReplicas"] = 3

    assert drain_blockers(docs, nodes=1) == ["auth-api"]
    assert drain_blockers(docs, nodes=2) == []
