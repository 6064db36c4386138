from __future__ import annotations

import re
import shutil

import pytest
import yaml

from tests.delivery import platform
from tests.delivery.manifests import (
    APPSETS,
    DOMAINS,
    IMAGE_UPDATERS,
    OVERLAYS,
    REPO_ROOT,
    V1_STABLE_LINE,
    containers,
    environment_of,
    kustomize,
    load_yaml_documents,
    of_kind,
    render,
    render_state,
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

    assert appset["metadata"]["name"] == f"{environment}-auth"
    assert appset["spec"]["syncPolicy"]["preserveResourcesOnDeletion"] is True
    for _, app in _applications(environment):
        spec = app["spec"]
        assert spec["source"]["targetRevision"] == BRANCHES[environment]
        assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        options = spec["syncPolicy"]["syncOptions"]
        # Namespace auth belongs to the platform's namespaces Application.
        assert "CreateNamespace=false" in options
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


# Image Updater follows both tracks of the API, and only the canary of the relay: the stable
# relay is a pinned build (RUNBOOK: The relay).
ALIASES = {"auth": ["canary", "stable"], "auth-relay": ["canary"]}


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_each_image_updater_alias_updates_only_its_own_deployment(environment):
    for element, app in _applications(environment):
        annotations = app["metadata"]["annotations"]
        overlay = f"{element['name']}/{environment}"
        kustomization = yaml.safe_load((DOMAINS / overlay / "kustomization.yaml").read_text())
        images = {entry["name"]: entry for entry in kustomization["images"]}
        # The API's stable alias matters once v2 is stable; before, v1's image is pinned.
        docs = render_state(overlay, "promoted")

        assert annotations[UPDATER + "write-back-method"] == "git"
        assert annotations[UPDATER + "write-back-target"] == "kustomization"
        assert annotations[UPDATER + "git-branch"] == BRANCHES[environment]
        aliases = _image_list(annotations)
        assert sorted(aliases) == ALIASES[element["name"]]
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


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_applicationset_leaves_the_platforms_own_appset_and_uses_its_project(environment):
    appset = _appset(environment)

    assert appset["metadata"]["name"] != platform.PLATFORM_APPSETS[environment]
    for _, app in _applications(environment):
        assert app["spec"]["project"] == platform.ARGOCD_PROJECT[environment]


def _updater_images(environment):
    """{application name: {alias: (image reference, kustomize image name, strategy)}} of 1.x."""
    [updater] = load_yaml_documents(IMAGE_UPDATERS[environment])
    spec = updater["spec"]
    assert spec["writeBackConfig"]["method"] == "git"
    assert spec["writeBackConfig"]["gitConfig"] == {
        "branch": BRANCHES[environment],
        "writeBackTarget": "kustomization",
    }
    result = {}
    for ref in spec["applicationRefs"]:
        default = ref.get("commonUpdateSettings", {}).get("updateStrategy")
        result[ref["namePattern"]] = {
            image["alias"]: (
                image["imageName"],
                image["manifestTargets"]["kustomize"]["name"],
                image.get("commonUpdateSettings", {}).get("updateStrategy", default),
            )
            for image in ref["images"]
        }
    return result


@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_image_updater_1x_resource_repeats_the_0_11_annotations(environment):
    from_annotations = {}
    for _, app in _applications(environment):
        annotations = app["metadata"]["annotations"]
        from_annotations[app["metadata"]["name"]] = {
            alias: (
                reference,
                annotations[UPDATER + f"{alias}.kustomize.image-name"],
                annotations[UPDATER + f"{alias}.update-strategy"],
            )
            for alias, reference in _image_list(annotations).items()
        }

    assert _updater_images(environment) == from_annotations


def _write_back(overlay: str, tmp_path, image_name: str, state: str = "first-sync") -> list[str]:
    """What Image Updater's kustomize write-back of `image_name` does to the rendered overlay
    in one state of the cut-over: the workloads whose image changes, by track (the migration
    Job as `hook`). (`kustomize edit set image <name>=<ref>@<digest>`.)"""
    domain = overlay.split("/")[0]
    copy = tmp_path / domain
    shutil.copytree(DOMAINS / domain, copy, dirs_exist_ok=True)
    path = copy / environment_of(overlay) / "kustomization.yaml"
    text = path.read_text()
    if state == "promoted":
        text = text.replace(V1_STABLE_LINE, "")
    kustomization = yaml.safe_load(text)
    entries = kustomization.setdefault("images", [])
    entry = next((e for e in entries if e["name"] == image_name), None)
    if entry is None:
        entry = {"name": image_name}
        entries.append(entry)
    entry.update(newName="docker.io/mng990/eco2", digest="sha256:" + "ab" * 32)
    entry.pop("newTag", None)
    path.write_text(yaml.safe_dump(kustomization))

    def images(docs):
        return {
            "hook" if d["kind"] == "Job" else track(d): list(containers(d))
            for d in of_kind(docs, "Deployment") + of_kind(docs, "Job")
        }

    before = images(render_state(overlay, state))
    after = images(kustomize(copy / environment_of(overlay)))
    return sorted(t for t in before if before[t] != after[t])


@pytest.mark.parametrize("state", ["first-sync", "promoted"])
@pytest.mark.parametrize("environment", sorted(APPSETS))
def test_no_image_updater_write_back_rewrites_both_tracks_or_the_hook(environment, state, tmp_path):
    for application, aliases in _updater_images(environment).items():
        domain = application.removeprefix(f"{environment}-api-")
        overlay = f"{domain}/{environment}"
        for alias, (_, image_name, _) in aliases.items():
            changed = _write_back(overlay, tmp_path / state / alias, image_name, state)
            if (domain, alias, state) == ("auth", "stable", "first-sync"):
                # v1's image is pinned until promotion: the write-back waits for it.
                assert changed == [], (overlay, alias)
            else:
                assert changed == [alias], (overlay, alias, state)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_images_entry_of_an_overlay_rewrites_exactly_one_workload(overlay, tmp_path):
    kustomization = yaml.safe_load((DOMAINS / overlay / "kustomization.yaml").read_text())
    names = [entry["name"] for entry in kustomization["images"]]
    state = "promoted" if overlay.startswith("auth/") else "first-sync"

    assert len(names) == (3 if overlay.startswith("auth/") else 2)
    for name in names:
        changed = _write_back(overlay, tmp_path / name, name, state)
        assert len(changed) == 1, (name, changed)
        assert (changed == ["hook"]) == name.endswith("-migrate"), (name, changed)


def test_image_updater_on_the_platform_reads_annotations():
    # Charts before 1.0 (app 0.x) configure through Application annotations only.
    assert platform.IMAGE_UPDATER_CHART.split(".")[0] == "0"
    for environment in APPSETS:
        for _, app in _applications(environment):
            assert UPDATER + "image-list" in app["metadata"]["annotations"]
