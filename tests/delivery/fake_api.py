"""A small stand-in for the Kubernetes API and Argo CD's sync, enough to rehearse a first sync.

The API keeps objects by kind, namespace and name and refuses what the real one refuses when
an object is updated in place: a Deployment's `spec.selector` (immutable since apps/v1), a
Job's `spec.selector` and `spec.template`, and a Deployment whose selector does not select
its own pod template. Everything else is replaced as `kubectl apply` would leave it.

`sync` applies documents as Argo CD does: by phase (PreSync, Sync, PostSync), then sync wave,
then kind in Argo CD's fixed order, then name; a hook with BeforeHookCreation is deleted and
created again, and a hook Job must succeed before later waves run. Running a Job is modelled
by `job_runs`: the test says which images can run the Job's command.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]

# gitops-engine pkg/sync/sync_tasks.go, `kindOrder`: the order within one wave.
KIND_ORDER = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)
PHASES = ("PreSync", "Sync", "PostSync")


class Invalid(Exception):
    """What the API server answers with 422 Unprocessable Entity."""


def _key(doc: Doc) -> tuple[str, str, str]:
    metadata = doc["metadata"]
    return doc["kind"], metadata.get("namespace", ""), metadata["name"]


@dataclass
class FakeApi:
    objects: dict[tuple[str, str, str], Doc] = field(default_factory=dict)

    def seed(self, docs: list[Doc]) -> None:
        for doc in docs:
            self.apply(doc)

    def get(self, kind: str, namespace: str, name: str) -> Doc | None:
        return self.objects.get((kind, namespace, name))

    def delete(self, doc: Doc) -> None:
        self.objects.pop(_key(doc), None)

    def apply(self, doc: Doc) -> None:
        key = _key(doc)
        kind, _, name = key
        if kind == "Deployment":
            selector = doc["spec"]["selector"]["matchLabels"]
            labels = doc["spec"]["template"]["metadata"].get("labels", {})
            if any(labels.get(k) != v for k, v in selector.items()):
                raise Invalid(
                    f'Deployment.apps "{name}" is invalid: spec.template.metadata.labels: '
                    "Invalid value: `selector` does not match template `labels`"
                )
        existing = self.objects.get(key)
        if existing is not None:
            for path in _immutable(kind):
                before, after = _at(existing, path), _at(doc, path)
                if after is not None and before != after:
                    raise Invalid(
                        f'{kind} "{name}" is invalid: {".".join(path)}: Invalid value: '
                        f"{after!r}: field is immutable"
                    )
        self.objects[key] = copy.deepcopy(doc)


def _immutable(kind: str) -> list[tuple[str, ...]]:
    if kind == "Deployment":
        return [("spec", "selector")]
    if kind == "Job":
        return [("spec", "selector"), ("spec", "template")]
    return []


def _at(doc: Doc, path: tuple[str, ...]) -> Any:
    node: Any = doc
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _annotations(doc: Doc) -> dict[str, str]:
    return doc["metadata"].get("annotations", {}) or {}


def phase(doc: Doc) -> str:
    hook = _annotations(doc).get("argocd.argoproj.io/hook")
    return hook if hook in PHASES else "Sync"


def wave(doc: Doc) -> int:
    return int(_annotations(doc).get("argocd.argoproj.io/sync-wave", "0"))


def order(docs: list[Doc]) -> list[Doc]:
    def kind_rank(kind: str) -> int:
        return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)

    return sorted(
        docs,
        key=lambda d: (
            PHASES.index(phase(d)),
            wave(d),
            kind_rank(d["kind"]),
            d["metadata"]["name"],
        ),
    )


@dataclass(frozen=True)
class Step:
    kind: str
    name: str
    wave: int
    error: str | None = None


def sync(
    api: FakeApi, docs: list[Doc], job_runs: Callable[[Doc], bool] = lambda _job: True
) -> list[Step]:
    """Apply `docs` in Argo CD's order; stop at the first refused apply or failed hook."""
    steps = []
    for doc in order(docs):
        name, kind = doc["metadata"]["name"], doc["kind"]
        is_hook = "argocd.argoproj.io/hook" in _annotations(doc)
        try:
            if is_hook and "BeforeHookCreation" in _annotations(doc).get(
                "argocd.argoproj.io/hook-delete-policy", ""
            ):
                api.delete(doc)
            api.apply(doc)
            if is_hook and kind == "Job" and not job_runs(doc):
                raise Invalid(f'hook Job "{name}" failed')
        except Invalid as error:
            steps.append(Step(kind, name, wave(doc), str(error)))
            return steps
        steps.append(Step(kind, name, wave(doc)))
    return steps
