"""A rehearsal of the first sync on Eco²'s cluster, without a cluster.

The fake API (fake_api.py) starts from v1's objects as its overlays render them
(v1.objects), then receives our rendered overlays in Argo CD's order. Every apply has to
succeed: the Deployments are v1's and are updated in place, so their selectors must be v1's.
"""

from __future__ import annotations

import pytest

from tests.delivery import v1
from tests.delivery.fake_api import FakeApi, Invalid, Step, order, sync, wave
from tests.delivery.manifests import ENVIRONMENTS, containers, render, render_state


def _runs_migrations(job: dict) -> bool:
    # v1's image has no `apps.auth.setup.migrate`: the hook fails with it.
    [container] = containers(job)
    return container["image"] != v1.API_IMAGE


def _cluster(environment: str) -> FakeApi:
    api = FakeApi()
    api.seed(v1.objects(environment))
    return api


def _errors(steps: list[Step]) -> list[str]:
    return [step.error for step in steps if step.error]


def _first_sync(api: FakeApi, environment: str) -> dict[str, list[Step]]:
    return {
        app: sync(api, render(f"{app}/{environment}"), job_runs=_runs_migrations)
        for app in ("auth", "auth-relay")
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_apply_of_the_first_sync_succeeds_over_v1s_objects(environment):
    api = _cluster(environment)

    steps = _first_sync(api, environment)

    for app, applied in steps.items():
        assert _errors(applied) == [], app
        assert len(applied) == len(render(f"{app}/{environment}"))
    stable = api.get("Deployment", "auth", "auth-api")
    assert stable["spec"]["template"]["spec"]["containers"][0]["image"] == v1.API_IMAGE
    relay = api.get("Deployment", "auth", "auth-relay")
    assert (
        relay["spec"]["template"]["spec"]["containers"][0]["image"] not in v1.RELAY_IMAGES.values()
    )
    for name in v1.DEPLOYMENTS:
        deployment = api.get("Deployment", "auth", name)
        assert deployment["spec"]["selector"]["matchLabels"] == v1.selector(name, environment)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_the_sync_applies_config_then_the_hook_then_the_pods(environment):
    steps = sync(_cluster(environment), render(f"auth/{environment}"), job_runs=_runs_migrations)
    position = {(s.kind, s.name): i for i, s in enumerate(steps)}
    waves = [s.wave for s in steps]

    assert waves == sorted(waves)
    assert position[("ConfigMap", "auth-config")] < position[("Job", "auth-api-migrate")]
    assert position[("Job", "auth-api-migrate")] < position[("Deployment", "auth-api")]
    assert position[("Deployment", "auth-api")] < position[("HorizontalPodAutoscaler", "auth-api")]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_promotion_and_rollback_after_the_first_sync_apply_in_place(environment):
    api = _cluster(environment)
    _first_sync(api, environment)

    promoted = sync(api, render_state(f"auth/{environment}", "promoted"), job_runs=_runs_migrations)
    stable = api.get("Deployment", "auth", "auth-api")["spec"]["template"]["spec"]["containers"][0]
    rolled_back = sync(api, render(f"auth/{environment}"), job_runs=_runs_migrations)

    assert _errors(promoted) == [] and _errors(rolled_back) == []
    assert stable["image"] != v1.API_IMAGE
    again = api.get("Deployment", "auth", "auth-api")["spec"]["template"]["spec"]["containers"][0]
    assert again["image"] == v1.API_IMAGE


def _with_selectors_before_v1s_labels(docs: list[dict]) -> list[dict]:
    """Our Deployments as they selected before they carried v1's labels: `app` and `version`."""
    for doc in docs:
        if doc["kind"] == "Deployment":
            selector = doc["spec"]["selector"]["matchLabels"]
            doc["spec"]["selector"]["matchLabels"] = {
                "app": selector["app"],
                "version": selector["version"],
            }
    return docs


@pytest.mark.parametrize("app", ["auth", "auth-relay"])
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_selectors_of_app_and_version_only_would_be_refused_as_immutable(environment, app):
    api = _cluster(environment)
    docs = _with_selectors_before_v1s_labels(render(f"{app}/{environment}"))

    steps = sync(api, docs, job_runs=_runs_migrations)

    [error] = _errors(steps)
    assert "spec.selector" in error and "field is immutable" in error
    assert steps[-1].kind == "Deployment"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_hook_with_v1s_image_would_stop_the_sync_before_the_pods(environment):
    docs = render(f"auth/{environment}")
    for doc in docs:
        if doc["kind"] == "Job":
            doc["spec"]["template"]["spec"]["containers"][0]["image"] = v1.API_IMAGE

    steps = sync(_cluster(environment), docs, job_runs=_runs_migrations)

    assert _errors(steps) == ['hook Job "auth-api-migrate" failed']
    assert not [s for s in steps if s.kind == "Deployment"]


def test_the_fake_api_refuses_a_deployment_that_does_not_select_its_pods():
    [deployment] = [
        d
        for d in v1.objects("dev")
        if (d["kind"], d["metadata"]["name"]) == ("Deployment", "auth-api")
    ]
    deployment["spec"]["template"]["metadata"]["labels"]["version"] = "v2"

    with pytest.raises(Invalid, match="does not match template"):
        FakeApi().apply(deployment)


def test_order_follows_waves_before_kinds():
    docs = [
        {"kind": "Deployment", "metadata": {"name": "a"}},
        {
            "kind": "ConfigMap",
            "metadata": {"name": "b", "annotations": {"argocd.argoproj.io/sync-wave": "1"}},
        },
        {"kind": "ConfigMap", "metadata": {"name": "c"}},
        {
            "kind": "Job",
            "metadata": {"name": "d", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
        },
    ]

    assert [d["metadata"]["name"] for d in order(docs)] == ["d", "c", "a", "b"]
    assert [wave(d) for d in order(docs)] == [0, 0, 0, 1]
