from __future__ import annotations

import re

import pytest
import yaml

from tests.delivery.manifests import (
    APPSETS,
    DOMAINS,
    REPO_ROOT,
    containers,
    load_yaml_documents,
    of_kind,
    render,
    track,
)

BRANCHES = {"dev": "develop", "prod": "main"}
UPDATER = "argocd-image-updater.argoproj.io/"


def _appset(environment):
    [appset] = load_yaml_documents(APPSETS[environment])
    return appset


def _applications(environment):
    """The Applications the list generator stamps out (fasttemplate `{{key}}` substitution)."""
    appset = _appset(environment)
    [generator] = appset["spec"]["generators"]
    text = yaml.safe_dump(appset["spec"]["template"])
    rendered = []
    for element in generator["list"]["elements"]:
        out = re.sub(r"{{\s*(\w+)\s*}}", lambda m, e=element: e[m.group(1)], text)
        rendered.append((element, yaml.safe_load(out)))
    return rendered


def _image_list(annotations):
    entries = [item.strip() for item in annotations[UPDATER + "image-list"].split(",")]
    return dict(entry.split("=", 1) for entry in entries)


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_applicationset_tracks_its_branch_with_automated_self_heal(environment):
    appset = _appset(environment)

    assert appset["metadata"]["name"] == f"{environment}-apis"
    assert appset["spec"]["syncPolicy"]["preserveResourcesOnDeletion"] is True
    for _, app in _applications(environment):
        spec = app["spec"]
        assert spec["source"]["targetRevision"] == BRANCHES[environment]
        assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        options = spec["syncPolicy"]["syncOptions"]
        assert "CreateNamespace=true" in options
        assert "RespectIgnoreDifferences=true" in options
        assert {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]} in spec[
            "ignoreDifferences"
        ]


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_applications_point_at_overlays_that_render(environment):
    names = set()
    for element, app in _applications(environment):
        path = app["spec"]["source"]["path"]
        assert path == f"workloads/domains/{element['name']}/{environment}"
        assert (REPO_ROOT / path / "kustomization.yaml").is_file()
        assert "{{" not in yaml.safe_dump(app)
        names.add(app["metadata"]["name"])
        namespaces = {
            d["metadata"].get("namespace") for d in render(f"{element['name']}/{environment}")
        }
        assert namespaces == {app["spec"]["destination"]["namespace"]}
    assert {f"{environment}-api-auth", f"{environment}-api-auth-relay"} == names


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_an_operator_can_turn_automated_sync_off_for_one_application(environment):
    ignored = _appset(environment)["spec"]["ignoreApplicationDifferences"]

    assert any("/spec/syncPolicy/automated" in entry.get("jsonPointers", []) for entry in ignored)


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_each_image_updater_alias_updates_only_its_own_deployment(environment):
    for element, app in _applications(environment):
        annotations = app["metadata"]["annotations"]
        overlay = f"{element['name']}/{environment}"
        kustomization = yaml.safe_load((DOMAINS / overlay / "kustomization.yaml").read_text())
        images = {entry["name"]: entry for entry in kustomization["images"]}
        docs = render(overlay)

        assert annotations[UPDATER + "write-back-method"] == "git"
        assert annotations[UPDATER + "write-back-target"] == "kustomization"
        assert annotations[UPDATER + "git-branch"] == BRANCHES[environment]
        aliases = _image_list(annotations)
        assert sorted(aliases) == ["canary", "stable"]
        for alias, reference in aliases.items():
            assert annotations[UPDATER + f"{alias}.update-strategy"] == "digest"
            entry = images[annotations[UPDATER + f"{alias}.kustomize.image-name"]]
            assert reference == f"{entry['newName']}:{entry['newTag']}"
            users = [
                track(d)
                for d in of_kind(docs, "Deployment")
                if any(c["image"] == reference for c in containers(d))
            ]
            assert users == [alias]
