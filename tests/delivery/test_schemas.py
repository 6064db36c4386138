from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest

from tests.delivery.manifests import (
    APPSETS,
    KUBERNETES_VERSION,
    OVERLAYS,
    SCHEMA_DIR,
    Doc,
    load_yaml_documents,
    render,
)

pytestmark = pytest.mark.needs_shared


def _custom_schema(doc: Doc) -> Path | None:
    group, _, version = doc["apiVersion"].rpartition("/")
    if "." not in group or group.endswith(".k8s.io"):
        return None
    return SCHEMA_DIR / group / f"{doc['kind'].lower()}_{version}.json"


def _problems(doc: Doc) -> list[str]:
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
        validated = kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError as exc:
        return [f"{where}: kubernetes-validate has no schema: {exc}"]
    except kubernetes_validate.ValidationError as exc:
        return [f"{where}: {exc.json_path}: {exc.message}"]
    assert validated == "1.30", (
        f"validated against Kubernetes {validated}, not {KUBERNETES_VERSION}"
    )
    return []


def test_shared_schema_folder_is_present():
    assert SCHEMA_DIR.is_dir(), (
        f"custom-resource schemas not found at {SCHEMA_DIR}; "
        "check out shared/ beside the repository or set ECO2_K8S_SCHEMAS"
    )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_document_validates_when_overlay_is_rendered(overlay):
    problems = [problem for doc in render(overlay) for problem in _problems(doc)]
    assert problems == []


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_applicationset_validates_against_argo_cd_schema(environment):
    problems = [
        problem for doc in load_yaml_documents(APPSETS[environment]) for problem in _problems(doc)
    ]
    assert problems == []


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
