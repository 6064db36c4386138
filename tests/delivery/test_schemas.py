from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
from kubernetes_validate.utils import latest_version

from tests.delivery import platform
from tests.delivery.manifests import (
    APPSETS,
    BUNDLED_SCHEMAS,
    IMAGE_UPDATERS,
    OVERLAYS,
    REPO_ROOT,
    SCHEMA_DIR,
    Doc,
    load_yaml_documents,
    render,
)
from tests.observability.sources import analysis_templates

pytestmark = pytest.mark.needs_schemas


def _custom_schema(doc: Doc) -> Path | None:
    group, _, version = doc["apiVersion"].rpartition("/")
    if "." not in group or group.endswith(".k8s.io"):
        return None
    return SCHEMA_DIR / group / f"{doc['kind'].lower()}_{version}.json"


# The platform's minor (its patch releases share one schema) and the newest one known.
PLATFORM_MINOR = ".".join(platform.KUBERNETES_VERSION.split(".")[:2]) + ".0"
KUBERNETES_VERSIONS = (PLATFORM_MINOR, latest_version())


def _problems(doc: Doc, kubernetes_version: str = PLATFORM_MINOR) -> list[str]:
    where = f"{doc['kind']}/{doc['metadata'].get('name')}"
    schema_path = _custom_schema(doc)
    if schema_path is not None:
        if not schema_path.is_file():
            return [f"{where}: no schema for {doc['apiVersion']} {doc['kind']} in {SCHEMA_DIR}"]
        validator = jsonschema.Draft7Validator(json.loads(schema_path.read_text()))
        return [
            f"{where}: {error.json_path}: {error.message}" for error in validator.iter_errors(doc)
        ]
    try:
        validated = kubernetes_validate.validate(doc, kubernetes_version, strict=True)
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"{where}: kubernetes-validate has no schema: {exc}"]
    except kubernetes_validate.ValidationError as exc:
        return [f"{where}: {exc.json_path}: {exc.message}"]
    assert validated == kubernetes_version.rsplit(".", 1)[0], (
        f"validated against Kubernetes {validated}, not {kubernetes_version}"
    )
    return []


def test_shared_schema_folder_is_present():
    assert SCHEMA_DIR.is_dir(), (
        f"custom-resource schemas not found at {SCHEMA_DIR}; "
        "unset ECO2_K8S_SCHEMAS to use tests/delivery/schemas"
    )


@pytest.mark.parametrize("kubernetes_version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_document_validates_when_overlay_is_rendered(overlay, kubernetes_version):
    docs = render(overlay)
    problems = [problem for doc in docs for problem in _problems(doc, kubernetes_version)]
    assert problems == []


def test_platform_version_is_1_28_and_the_newer_one_is_newer():
    assert PLATFORM_MINOR == "1.28.0"
    assert tuple(map(int, KUBERNETES_VERSIONS[1].split("."))) > (1, 28, 0)


def test_validation_at_the_platform_version_rejects_prestop_sleep():
    [deployment] = [
        d
        for d in render("auth/prod")
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "auth-api"
    ]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    container["lifecycle"] = {"preStop": {"sleep": {"seconds": 5}}}

    assert _problems(deployment, PLATFORM_MINOR)
    assert _problems(deployment, latest_version()) == []


@pytest.mark.parametrize("path", [*APPSETS.values(), *IMAGE_UPDATERS.values()], ids=str)
def test_argo_cd_resources_validate_against_their_schemas(path):
    docs = load_yaml_documents(path)

    assert docs
    assert [problem for doc in docs for problem in _problems(doc)] == []


def test_validation_fails_when_a_kind_has_no_schema():
    unknown = {"apiVersion": "example.eco2.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    misspelt = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"prots": []},
    }

    assert _problems(unknown) and "no schema" in _problems(unknown)[0]
    assert _problems(misspelt)


def test_custom_resource_validation_rejects_unknown_fields():
    [virtual_service] = [d for d in render("auth/prod") if d["kind"] == "VirtualService"]
    virtual_service["spec"]["http"][0]["matchh"] = []

    assert _problems(virtual_service)


def _documents_validated() -> list[Doc]:
    rendered = [doc for overlay in OVERLAYS for doc in render(overlay)]
    files = [*APPSETS.values(), *IMAGE_UPDATERS.values()]
    listed = [doc for path in files for doc in load_yaml_documents(path)]
    return [*rendered, *listed, *analysis_templates()]


def test_repository_keeps_exactly_the_schemas_the_tests_use_with_their_licence():
    used = {_custom_schema(doc) for doc in _documents_validated()} - {None}
    kept = set(BUNDLED_SCHEMAS.resolve().rglob("*.json"))

    assert kept == used
    assert (BUNDLED_SCHEMAS / "LICENSE").read_text().startswith("MIT License")
    assert "datreeio/CRDs-catalog" in (BUNDLED_SCHEMAS / "README.md").read_text()


def test_schema_folder_defaults_to_the_repository_when_no_variable_is_set():
    probe = "from tests.delivery.manifests import SCHEMA_DIR; print(SCHEMA_DIR)"
    env = {k: v for k, v in os.environ.items() if k != "ECO2_K8S_SCHEMAS"}
    env["PYTHONPATH"] = str(REPO_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )

    assert result.stdout.strip() == str(BUNDLED_SCHEMAS.resolve()), result.stderr
