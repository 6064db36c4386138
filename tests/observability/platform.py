"""The Eco² platform's Prometheus, as eco2-team/backend deploys it (read at 4c3eebb3).

kube-prometheus-stack 56.21.1 runs from the Argo CD Applications
`clusters/{dev,prod}/apps/20-monitoring-operator.yaml`. Each value below names the field it
comes from; where the platform leaves a value unset, the chart's own template
(`charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml`) decides it.
"""

from __future__ import annotations

from typing import Any

# clusters/{dev,prod}/apps/20-monitoring-operator.yaml: spec.source.helm.releaseName
_HELM_RELEASE = {"dev": "dev-kube-prometheus-stack", "prod": "prod-kube-prometheus-stack"}

# same files: spec.source.helm.valuesObject.prometheus.prometheusSpec
#   .serviceMonitorNamespaceSelector.matchExpressions[0] (key kubernetes.io/metadata.name, In)
_SERVICE_MONITOR_NAMESPACES = (
    "auth",
    "my",
    "scan",
    "character",
    "location",
    "image",
    "chat",
    "postgres",
    "redis",
    "rabbitmq",
    "grafana",
    "prometheus",
    "default",
)

PLATFORM: dict[str, dict[str, Any]] = {
    env: {
        # spec.source.chart / spec.source.targetRevision
        "chart": "kube-prometheus-stack",
        "chart_version": "56.21.1",
        "helm_release": _HELM_RELEASE[env],
        # spec.destination.namespace: the namespace of the Prometheus resource
        "namespace": "prometheus",
        # The operator's governing Service for every Prometheus resource, port `web`.
        "service": "prometheus-operated",
        "port": 9090,
        # prometheusSpec.ruleSelector is unset and ruleSelectorNilUsesHelmValues keeps the
        # chart default (true): the chart renders matchLabels {release: <Helm release name>}.
        "rule_selector": {"release": _HELM_RELEASE[env]},
        # prometheusSpec.ruleNamespaceSelector is unset: the chart renders {} (every namespace).
        "rule_namespaces": None,
        # serviceMonitorSelectorNilUsesHelmValues: false -> the chart renders {} (every one).
        "service_monitor_selector": {},
        "service_monitor_namespaces": _SERVICE_MONITOR_NAMESPACES,
    }
    for env in ("dev", "prod")
}


def prometheus_url(env: str) -> str:
    platform = PLATFORM[env]
    return f"http://{platform['service']}.{platform['namespace']}.svc:{platform['port']}"
