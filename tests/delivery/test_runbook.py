from __future__ import annotations

import functools
import re
import shlex
from urllib.parse import urlsplit

import pytest

from tests.delivery import platform
from tests.delivery.app_routes import serves
from tests.delivery.istio import Request, route
from tests.delivery.manifests import (
    APPSETS,
    DOMAINS,
    OVERLAYS,
    REPO_ROOT,
    containers,
    labels_match,
    load_yaml_documents,
    of_kind,
    pod_labels,
    render,
)

RUNBOOK = DOMAINS / "auth" / "RUNBOOK.md"
KINDS = {
    "deployment": "Deployment",
    "deploy": "Deployment",
    "virtualservice": "VirtualService",
    "destinationrule": "DestinationRule",
    "hpa": "HorizontalPodAutoscaler",
    "pdb": "PodDisruptionBudget",
    "job": "Job",
    "svc": "Service",
    "service": "Service",
    "externalsecret": "ExternalSecret",
    "configmap": "ConfigMap",
}
FLAGS_WITH_VALUE = {"-n", "--namespace", "-o", "--output", "-l", "--selector", "-c", "-L"}
VERBS_WITH_KIND = {"get", "describe", "scale", "delete", "edit", "patch", "status"}


def _commands() -> list[list[str]]:
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", RUNBOOK.read_text(), re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                commands.append(shlex.split(line))
    return commands


@functools.cache
def _rendered() -> tuple[dict, ...]:
    return tuple(doc for overlay in OVERLAYS for doc in render(overlay))


def _names(kind: str) -> set[str]:
    return {doc["metadata"]["name"] for doc in of_kind(list(_rendered()), kind)}


def _option(argv: list[str], *flags: str) -> str | None:
    for index, token in enumerate(argv):
        if token in flags:
            return argv[index + 1]
        for flag in flags:
            if flag.startswith("--") and token.startswith(flag + "="):
                return token.split("=", 1)[1]
    return None


def _resource_refs(argv: list[str]) -> list[tuple[str, str]]:
    refs = []
    for index, token in enumerate(argv):
        if "/" in token and not token.startswith("-") and token.split("/")[0].rstrip("s") in KINDS:
            kind, name = token.split("/", 1)
            refs.append((KINDS[kind.rstrip("s")], name))
        elif token in VERBS_WITH_KIND and index + 1 < len(argv):
            kinds = [kind.rstrip("s") for kind in argv[index + 1].split(",")]
            if not all(kind in KINDS for kind in kinds):
                continue
            rest = argv[index + 2 :]
            for position, name in enumerate(rest):
                after_flag = position > 0 and rest[position - 1] in FLAGS_WITH_VALUE
                if not name.startswith("-") and not after_flag:
                    refs.extend((KINDS[kind], name) for kind in kinds)
    return refs


def _check_kubectl(argv: list[str]) -> None:
    if argv[1] == "kustomize":
        assert (REPO_ROOT / argv[2] / "kustomization.yaml").is_file(), argv
        return
    if argv[1] == "apply" and _option(argv, "-f"):
        docs = load_yaml_documents(REPO_ROOT / str(_option(argv, "-f")))
        assert docs and {d["metadata"]["namespace"] for d in docs} == {_option(argv, "-n")}
        return
    assert _option(argv, "-n", "--namespace") == "auth", f"namespace must be auth: {argv}"
    for kind, name in _resource_refs(argv):
        assert name in _names(kind), f"{kind}/{name} is not rendered by any overlay"
    selector = _option(argv, "-l", "--selector")
    if selector:
        wanted = dict(pair.split("=", 1) for pair in selector.split(","))
        pods = [
            d
            for d in of_kind(list(_rendered()), "Deployment")
            if labels_match(wanted, pod_labels(d))
        ]
        assert pods, f"selector {selector} matches no pods"
        container = _option(argv, "-c", "--container")
        if container:
            assert all(container in {c["name"] for c in containers(d)} for d in pods), argv


def _check_argocd(argv: list[str]) -> None:
    applications = set()
    for path in APPSETS.values():
        [appset] = load_yaml_documents(path)
        template = appset["spec"]["template"]["metadata"]["name"]
        for element in appset["spec"]["generators"][0]["list"]["elements"]:
            applications.add(template.replace("{{name}}", element["name"]))
    assert argv[1] == "app"
    assert argv[3] in applications, f"no Argo CD Application {argv[3]}"


def _check_curl(argv: list[str]) -> None:
    [url] = [token for token in argv[1:] if token.startswith("https://")]
    headers = {}
    for index, token in enumerate(argv):
        if token == "-H":
            name, value = argv[index + 1].split(":", 1)
            headers[name.strip()] = value.strip()
    parts = urlsplit(url)
    virtual_services = of_kind(list(_rendered()), "VirtualService")
    request = Request(host=parts.hostname or "", path=parts.path, headers=headers)
    routes = [r for vs in virtual_services if (r := route(vs, request)) is not None]
    expected = {"canary": 100} if headers.get("X-Canary") == "true" else {"stable": 100}
    assert routes == [expected], f"{url} with {headers} routes to {routes}"
    assert serves("GET", parts.path), f"{parts.path} is not an API route"


CHECKS = {"kubectl": _check_kubectl, "argocd": _check_argocd, "curl": _check_curl}


def test_runbook_has_commands_for_every_step():
    tools = [argv[0] for argv in _commands()]

    assert {"kubectl", "argocd", "curl"} <= set(tools)
    assert [
        "kubectl",
        "scale",
        "deployment",
        "auth-api-canary",
        "-n",
        "auth",
        "--replicas=0",
    ] in _commands()


def test_runbook_names_what_the_platform_must_change():
    text = RUNBOOK.read_text()

    for needle in (
        "auth-api-stable.auth.svc.cluster.local",
        platform.PLATFORM_APPSETS["dev"],
        "auth-vs",
        "kakao-client-secret",
        "jwt-previous-public-keys",
        platform.REDIS_SENTINEL_MASTER,
        "AUTH_AMQP_URL",
        "preStop.sleep",
        "PreSync",
    ):
        assert needle in text, needle


@pytest.mark.parametrize("argv", _commands(), ids=lambda argv: " ".join(argv)[:60])
def test_runbook_command_uses_names_the_manifests_have(argv):
    assert argv[0] in CHECKS, f"unchecked tool in runbook: {argv[0]}"
    CHECKS[argv[0]](argv)
