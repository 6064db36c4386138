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
    "networkpolicy": "NetworkPolicy",
    "application": "Application",
    "applicationset": "ApplicationSet",
    "redisfailover": "RedisFailover",
}
FLAGS_WITH_VALUE = {"-n", "--namespace", "-o", "--output", "-l", "--selector", "-c", "-L", "-p"}
FLAGS_WITH_VALUE |= {"--patch", "--type"}
VERBS_WITH_KIND = {"get", "describe", "scale", "delete", "edit", "patch", "status"}
# Names outside our overlays that the cut-over's commands use: the platform's, from
# eco2-team/backend@4c3eebb3, and the NetworkPolicies the handover adds (tools/handover).
HANDOVER_POLICIES = REPO_ROOT / "tools/handover/files/allow-auth-sentinel-and-users-http.yaml"
PLATFORM_NAMES = {
    # clusters/dev/apps/40-apis-appset.yaml, 41-workers-appset.yaml, 50-istio-routes.yaml
    ("argocd", "ApplicationSet"): {"dev-apis", "dev-workers", "dev-istio-routes"},
    # clusters/dev/root-app.yaml; the Applications the shared sets generate for auth
    # (dev-api-{{name}}, dev-{{name}}, dev-route-{{name}}), which the handover removes
    ("argocd", "Application"): {"dev-root", "dev-api-auth", "dev-auth-relay", "dev-route-auth"},
    # clusters/dev/apps/24-postgresql.yaml: the Bitnami release in namespace postgres
    ("postgres", "Service"): {"dev-postgresql"},
    # workloads/redis/base/auth-redis-failover.yaml: the Spotahome RedisFailover of auth's Redis
    ("redis", "RedisFailover"): {"auth-redis"},
    # workloads/routing/auth/base/virtual-service.yaml: v1's route, deleted by hand
    ("auth", "VirtualService"): {"auth-vs"},
    ("auth", "NetworkPolicy"): {
        d["metadata"]["name"] for d in load_yaml_documents(HANDOVER_POLICIES)
    },
}
# Node pools (the `domain` label of the platform's tainted pools the manifests tolerate).
NODE_POOLS = {"auth", "worker-storage"}
VERBS_OUTSIDE_AUTH = {"get", "describe", "run", "port-forward"}


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
    if "nodes" in argv:
        selector = _option(argv, "-l", "--selector") or ""
        assert selector.split("=", 1) in [["domain", pool] for pool in NODE_POOLS], argv
        return
    namespace = _option(argv, "-n", "--namespace")
    assert namespace in {"auth", "argocd", "postgres", "redis", "users"}, (
        f"unknown namespace: {argv}"
    )
    if namespace != "auth":
        assert set(argv) & VERBS_OUTSIDE_AUTH, f"only reads and probes outside auth: {argv}"
    for kind, name in _resource_refs(argv):
        known = PLATFORM_NAMES.get((namespace, kind), set())
        if namespace == "auth":
            known = known | _names(kind)
        if kind == "Application" and namespace == "argocd":
            known = known | _applications()
        assert name in known, f"{kind}/{name} is neither rendered nor the platform's"
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


def _applications() -> set[str]:
    applications = set()
    for path in APPSETS.values():
        [appset] = load_yaml_documents(path)
        template = appset["spec"]["template"]["metadata"]["name"]
        for element in appset["spec"]["generators"][0]["list"]["elements"]:
            applications.add(template.replace("{{name}}", element["name"]))
    return applications


def _check_argocd(argv: list[str]) -> None:
    assert argv[1] == "app"
    assert argv[3] in _applications(), f"no Argo CD Application {argv[3]}"


# The in-cluster Postgres as pre-flight 3 forwards it: a plain postgresql:// URL (psql and
# pg_dump do not read SQLAlchemy's postgresql+asyncpg://), no password in it, database ecoeco
# (clusters/dev/apps/24-postgresql.yaml).
DATABASE_URL = "postgresql://sesacthon@127.0.0.1:15432/ecoeco"
DUMP_SCHEMAS = {"--schema=auth", "--schema=users"}


def _check_psql(argv: list[str]) -> None:
    assert argv[1] == DATABASE_URL, argv
    sql = _option(argv, "-c")
    assert sql and sql.lstrip().upper().startswith("SELECT"), f"read-only queries only: {argv}"


def _check_pg_dump(argv: list[str]) -> None:
    assert argv[1] == DATABASE_URL, argv
    assert set(argv) >= DUMP_SCHEMAS and "--format=custom" in argv, argv
    assert any(token.startswith("--file=") for token in argv), argv


def _check_pg_restore(argv: list[str]) -> None:
    dumps = [
        token.split("=", 1)[1]
        for command in _commands()
        if command[0] == "pg_dump"
        for token in command
        if token.startswith("--file=")
    ]
    assert argv[1] == "--list" and argv[2] in dumps, argv


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


CHECKS = {
    "kubectl": _check_kubectl,
    "argocd": _check_argocd,
    "curl": _check_curl,
    "psql": _check_psql,
    "pg_dump": _check_pg_dump,
    "pg_restore": _check_pg_restore,
}


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
