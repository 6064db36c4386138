"""Prometheus configuration from the repository's monitoring manifests.

The scrape jobs give every target the labels the Prometheus operator and the ServiceMonitor's
own `relabelings` give a pod in the cluster: the operator's (`namespace`, `service`, `pod`,
`container`, `endpoint`, `job`) as target labels, the ServiceMonitor's by running its
relabelings, translated to Prometheus's configuration, over the pod's labels.
The rules are the PrometheusRule's `spec.groups`, unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MONITORING = Path(__file__).resolve().parents[1] / "workloads/domains/auth/base/monitoring"
PROMETHEUS_RULE = MONITORING / "prometheus-rule.yaml"
API_SERVICE_MONITOR = MONITORING / "service-monitor.yaml"
_RELABEL_KEYS = {
    "sourceLabels": "source_labels",
    "targetLabel": "target_label",
    "action": "action",
    "regex": "regex",
    "replacement": "replacement",
    "separator": "separator",
}


@dataclass(frozen=True, slots=True)
class Pod:
    """A scrape target standing in for one pod behind the ServiceMonitor's Service."""

    address: str
    name: str
    labels: dict[str, str]


def rule_file(path: Path = PROMETHEUS_RULE) -> dict[str, Any]:
    """The rules file Prometheus loads for a PrometheusRule: its `spec.groups`."""
    return {"groups": yaml.safe_load(path.read_text())["spec"]["groups"]}


def scrape_job(
    pods: list[Pod], monitor: dict[str, Any] | None = None, interval: str = "1s"
) -> dict[str, Any]:
    """The scrape job for a ServiceMonitor (by default the API's) whose Service fronts `pods`."""
    spec = monitor or yaml.safe_load(API_SERVICE_MONITOR.read_text())
    [endpoint] = spec["spec"]["endpoints"]
    service = spec["metadata"]["name"]
    [namespace] = spec["spec"]["namespaceSelector"]["matchNames"]
    targets = []
    for pod in pods:
        meta = {f"__meta_kubernetes_pod_label_{_sanitized(k)}": v for k, v in pod.labels.items()}
        operator_labels = {
            "namespace": namespace,
            "service": service,
            "pod": pod.name,
            "container": service,
            "endpoint": endpoint["port"],
        }
        targets.append({"targets": [pod.address], "labels": {**meta, **operator_labels}})
    return {
        "job_name": service,
        "scrape_interval": interval,
        "scrape_timeout": interval,
        "metrics_path": endpoint["path"],
        "static_configs": targets,
        "relabel_configs": [
            {_RELABEL_KEYS[k]: v for k, v in rule.items()} for rule in endpoint["relabelings"]
        ],
    }


def _sanitized(label: str) -> str:
    """Kubernetes service discovery's spelling of a pod label key as a label name."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)
