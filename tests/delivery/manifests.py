"""Render the Kustomize overlays and look documents up in the result."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# The custom-resource schemas kept in the repository (tests/delivery/schemas/README.md says
# where they come from); ECO2_K8S_SCHEMAS points at another folder of the same layout.
BUNDLED_SCHEMAS = REPO_ROOT / "tests" / "delivery" / "schemas"
SCHEMA_DIR = Path(os.environ.get("ECO2_K8S_SCHEMAS") or BUNDLED_SCHEMAS).resolve()
DOMAINS = REPO_ROOT / "workloads" / "domains"
ENVIRONMENTS = ("dev", "prod")
OVERLAYS = tuple(f"{domain}/{env}" for domain in ("auth", "auth-relay") for env in ENVIRONMENTS)
API_OVERLAYS = tuple(f"auth/{env}" for env in ENVIRONMENTS)
RELAY_OVERLAYS = tuple(f"auth-relay/{env}" for env in ENVIRONMENTS)
APPSETS = {
    "dev": REPO_ROOT / "clusters" / "dev" / "apps" / "40-apis-appset.yaml",
    "prod": REPO_ROOT / "clusters" / "prod" / "apps" / "40-apis-appset.yaml",
}
IMAGE_UPDATERS = {
    env: REPO_ROOT / "clusters" / env / "image-updater" / "auth-image-updater.yaml"
    for env in ENVIRONMENTS
}

Doc = dict[str, Any]


def kustomize(directory: Path) -> list[Doc]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with built-in kustomize) must be on PATH to render the overlays"
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@functools.cache
def _render_cached(overlay: str) -> tuple[Doc, ...]:
    return tuple(kustomize(DOMAINS / overlay))


def render(overlay: str) -> list[Doc]:
    """The rendered documents of `<domain>/<env>`; callers get their own copy to mutate."""
    return yaml.safe_load(yaml.safe_dump(list(_render_cached(overlay))))


def environment_of(overlay: str) -> str:
    return overlay.rsplit("/", 1)[1]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def one(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected exactly one {kind}/{name}, found {len(found)}"
    return found[0]


def workloads(docs: list[Doc]) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] in ("Deployment", "Job")]


def containers(workload: Doc) -> Iterator[Doc]:
    spec = workload["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def labels_match(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pod_labels(deployment: Doc) -> dict[str, str]:
    return deployment["spec"]["template"]["metadata"].get("labels", {})


def configmap_data(docs: list[Doc]) -> dict[str, str]:
    """Data of the ConfigMaps that containers load as environment (not e.g. dashboards)."""
    loaded = {
        source["configMapRef"]["name"]
        for workload in workloads(docs)
        for container in containers(workload)
        for source in container.get("envFrom", [])
        if "configMapRef" in source
    }
    data: dict[str, str] = {}
    for configmap in of_kind(docs, "ConfigMap"):
        if configmap["metadata"]["name"] in loaded:
            data.update(configmap.get("data", {}))
    return data


def secret_keys(docs: list[Doc]) -> set[str]:
    """Keys of the Secrets the ExternalSecrets create: the values live outside Git.

    With a `target.template`, the Secret holds exactly the template's keys (External Secrets'
    default merge policy `Replace`); without one, the fetched `data` keys.
    """
    keys: set[str] = set()
    for external in of_kind(docs, "ExternalSecret"):
        template = external["spec"]["target"].get("template")
        if template:
            keys.update(template["data"])
        else:
            keys.update(item["secretKey"] for item in external["spec"].get("data", []))
    return keys


def remote_keys(docs: list[Doc]) -> set[str]:
    """Every parameter-store key the ExternalSecrets of `docs` read."""
    return {
        item["remoteRef"]["key"]
        for external in of_kind(docs, "ExternalSecret")
        for item in external["spec"].get("data", [])
    }


def track(deployment: Doc) -> str:
    return "canary" if pod_labels(deployment).get("release") == "canary" else "stable"


def load_yaml_documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


# The states an API overlay goes through during the cut-over from v1:
#   first-sync  the overlay as committed: v1 stable (component `v1-stable`), canary parked;
#   canary      Image Updater has written a canary digest and the RUNBOOK scaled it up;
#   promoted    the `v1-stable` line removed: v2 is stable.
STATES = ("first-sync", "canary", "promoted")
V1_STABLE_LINE = "  - v1-stable\n"
CANARY_DIGEST = "sha256:" + "c0" * 32


def _edited(overlay: str, state: str, workdir: Path) -> Path:
    domain, environment = overlay.split("/")
    copy = workdir / domain
    shutil.copytree(DOMAINS / domain, copy)
    path = copy / environment / "kustomization.yaml"
    text = path.read_text()
    if state == "promoted":
        assert text.count(V1_STABLE_LINE) == 1, "the overlay must list v1-stable exactly once"
        text = text.replace(V1_STABLE_LINE, "")
    if state == "canary":
        kustomization = yaml.safe_load(text)
        [entry] = [e for e in kustomization["images"] if e["name"] == "auth-api-canary"]
        entry.pop("newTag")
        entry["digest"] = CANARY_DIGEST
        kustomization["patches"].append(
            {
                "target": {"kind": "Deployment", "name": "auth-api-canary"},
                "patch": '[{"op": "replace", "path": "/spec/replicas", "value": 1}]',
            }
        )
        text = yaml.safe_dump(kustomization)
    path.write_text(text)
    return copy / environment


@functools.cache
def _render_state_cached(overlay: str, state: str) -> tuple[Doc, ...]:
    if state == "first-sync" or not overlay.startswith("auth/"):
        return _render_cached(overlay)
    with tempfile.TemporaryDirectory() as workdir:
        return tuple(kustomize(_edited(overlay, state, Path(workdir))))


def render_state(overlay: str, state: str) -> list[Doc]:
    """The rendered documents of `overlay` in one state of the cut-over (see STATES)."""
    assert state in STATES, state
    return yaml.safe_load(yaml.safe_dump(list(_render_state_cached(overlay, state))))


def render_promoted(overlay: str) -> list[Doc]:
    return render_state(overlay, "promoted")
