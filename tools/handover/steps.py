"""The handover, one commit per step, in the order that keeps auth served at every commit.

1. The platform's ApplicationSets keep what they generated when an element leaves them
   (`preserveResourcesOnDeletion`); until then, dropping `auth` deletes v1's running auth.
2. NetworkPolicy: namespace `auth` may reach Redis Sentinel and the users service's HTTP port.
3. Production's auth-redis refuses a write no replica can follow (`min-replicas-to-write`,
   `min-replicas-max-lag`), which the API's replica acknowledgement and `/ready` expect.
4. v1's pipelines stop building auth and the relay and stop writing auth's overlays, before
   this project's code arrives, so no commit has two pipelines pushing the same tag.
5. `auth` and `auth-relay` leave the shared ApplicationSets; their Applications go, v1's
   resources stay (step 1), and nothing generates `dev-api-auth` twice.
6. This project's manifests under workloads/domains/auth and auth-relay, read by nothing yet.
7. This project's services, their Python project (under apps/auth) and their workflow, whose
   tests read those manifests: the images exist before anything deploys them.
8. The ApplicationSets `dev-auth` / `prod-auth` at the platform's sync waves.
9. Only now, with `auth-api`'s VirtualService live, `auth-vs` leaves the routes' sets.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from tools.handover import bases
from tools.handover.edits import (
    HandoverError,
    cut_from,
    insert_after,
    remove_block,
    replace_line,
)

FILES = Path(__file__).resolve().parent / "files"
PROJECT_DIR = "apps/auth"  # where the Python project and its lock live in eco2-team/backend
SERVICE_DIRS = ("apps/auth", "apps/auth_relay")
MANIFEST_DIRS = ("workloads/domains/auth", "workloads/domains/auth-relay")
V1_ROUTE_DIR = "workloads/routing/auth"
# What the handover takes from this repository's HEAD.
SOURCE_PATHS = (
    *SERVICE_DIRS,
    *MANIFEST_DIRS,
    "pyproject.toml",
    "uv.lock",
    ".dockerignore",
    "scripts/ci-tools.sh",
    "scripts/pip-audit.sh",
    ".pip-audit-exceptions.toml",
    ".github/scripts/image_tags.py",
    "clusters",
)
# The platform's sync waves for its API sets (clusters/dev/apps/40-apis-appset.yaml: '40',
# clusters/prod/apps/60-apis-appset.yaml: '60'); ours take the place of `auth` in them.
WAVES = {"dev": "40", "prod": "60"}


@dataclass(frozen=True)
class Context:
    target: Path
    source: Path  # this repository's HEAD, extracted


@dataclass(frozen=True)
class Step:
    slug: str
    subject: str
    body: str
    apply: Callable[[Context], None]
    check: str  # what the operator checks once Argo CD has synced this commit
    # Added with `git add --force`: eco2-team/backend's .gitignore ignores every pyproject.toml.
    writes: tuple[str, ...] = ()


def _edit(ctx: Context, path: str, change: Callable[[str], str]) -> None:
    file = ctx.target / path
    file.write_text(change(file.read_text(encoding="utf-8")), encoding="utf-8")


def _replace_tree(ctx: Context, path: str) -> None:
    target = ctx.target / path
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ctx.source / path, target)


# 1 ─────────────────────────────────────────────────────────────────────────────────────────
SHARED_APPSETS = (
    bases.DEV_APIS,
    bases.DEV_WORKERS,
    bases.DEV_ROUTES,
    bases.PROD_APIS,
    bases.PROD_WORKERS,
    bases.PROD_ROUTES,
)
PRESERVE = "  syncPolicy:\n    preserveResourcesOnDeletion: true\n"


def preserve_resources(ctx: Context) -> None:
    for path in SHARED_APPSETS:

        def change(text: str, path: str = path) -> str:
            if any(line.rstrip() == "  syncPolicy:" for line in text.splitlines()):
                raise HandoverError(f"{path}: already has an ApplicationSet syncPolicy")
            edited = insert_after(text, "spec:", PRESERVE, where=path)
            spec = yaml.safe_load(edited)["spec"]
            if spec.get("syncPolicy") != {"preserveResourcesOnDeletion": True}:
                raise HandoverError(f"{path}: spec.syncPolicy did not come out as intended")
            return edited

        _edit(ctx, path, change)


# 2 ─────────────────────────────────────────────────────────────────────────────────────────
def network_policy(ctx: Context) -> None:
    name = Path(bases.NETPOL_NEW).name
    shutil.copyfile(FILES / name, ctx.target / bases.NETPOL_NEW)
    _edit(
        ctx,
        bases.NETPOL_KUSTOMIZATION,
        lambda text: insert_after(
            text, "- allow-auth-to-character.yaml", f"- {name}\n", where=bases.NETPOL_KUSTOMIZATION
        ),
    )


# 3 ─────────────────────────────────────────────────────────────────────────────────────────
# What production's auth-redis needs beside its `maxmemory-policy noeviction`
# (docs/redis-failover.md): a primary that accepts a write only while a replica follows it.
REDIS_SETTINGS = ("min-replicas-to-write 1", "min-replicas-max-lag 10")
REDIS_PATCH = """\
  # auth-redis: a write is accepted only while a replica follows within 10 s, so a revocation
  # the API reports as done survives a failover (auth v2, docs/redis-failover.md).
- target:
    kind: RedisFailover
    name: auth-redis
  patch: |-
""" + "".join(
    f"    - op: add\n      path: /spec/redis/customConfig/-\n      value: {setting}\n"
    for setting in REDIS_SETTINGS
)


def redis_settings(ctx: Context) -> None:
    def change(text: str) -> str:
        document = yaml.safe_load(text)
        if not isinstance(document.get("patches"), list) or not text.endswith("\n"):
            raise HandoverError(f"{bases.REDIS_PROD}: expected a trailing `patches:` list")
        if any(setting.split()[0] in text for setting in REDIS_SETTINGS):
            raise HandoverError(f"{bases.REDIS_PROD}: already sets a min-replicas setting")
        edited = text + REDIS_PATCH
        added = yaml.safe_load(edited)["patches"][-1]
        if added["target"] != {"kind": "RedisFailover", "name": "auth-redis"}:
            raise HandoverError(f"{bases.REDIS_PROD}: the patch did not come out as intended")
        return edited

    _edit(ctx, bases.REDIS_PROD, change)


# 4 ─────────────────────────────────────────────────────────────────────────────────────────
def v1_ci_lets_go(ctx: Context) -> None:
    where = bases.CI_SERVICES

    def services(text: str) -> str:
        text = remove_block(text, '      - "apps/auth/**"\n', count=2, where=where)
        text = remove_block(text, '      - "workloads/domains/auth/**"\n', count=2, where=where)
        text = remove_block(text, "            apps/auth/**\n", where=where)
        text = remove_block(text, "            workloads/domains/auth/**\n", where=where)
        return remove_block(text, '              "auth",      # apps/auth\n', where=where)

    def canary(text: str) -> str:
        text = replace_line(
            text,
            '          API_SERVICES = ["auth", "users", "character", "location", "scan", "images",'
            ' "chat"]',
            '          API_SERVICES = ["users", "character", "location", "scan", "images", "chat"]',
            where=bases.CI_CANARY,
        )
        return remove_block(
            text,
            '                      if svc == "auth_relay":\n'
            "                          has_auth_relay = True\n",
            where=bases.CI_CANARY,
        )

    _edit(ctx, bases.CI_SERVICES, services)
    _edit(ctx, bases.CI_CANARY, canary)
    # ext-authz's image and its own overlay are untouched; only its last step, which re-dumped
    # auth's overlay to add an image entry no auth resource uses, goes.
    _edit(
        ctx,
        bases.CI_EXT_AUTHZ,
        lambda text: cut_from(
            text, "      # Kustomize Manifest Update (Auto Deploy)", where=bases.CI_EXT_AUTHZ
        ),
    )
    # It builds nothing but the relay, whose tags ci-auth-v2.yml owns from the services step on.
    (ctx.target / bases.CI_AUTH_RELAY).unlink()


# 5 ─────────────────────────────────────────────────────────────────────────────────────────
def leave_shared_sets(ctx: Context) -> None:
    for path in (bases.DEV_APIS, bases.PROD_APIS):
        _edit(
            ctx,
            path,
            lambda text, path=path: remove_block(
                text, "      - name: auth\n        phase: '1'\n", where=path
            ),
        )
    for path in (bases.DEV_WORKERS, bases.PROD_WORKERS):
        _edit(
            ctx,
            path,
            lambda text, path=path: remove_block(
                text,
                "      - name: auth-relay\n        namespace: auth\n        phase: '1'\n",
                where=path,
            ),
        )


# 6 ─────────────────────────────────────────────────────────────────────────────────────────
def manifests(ctx: Context) -> None:
    for path in MANIFEST_DIRS:
        _replace_tree(ctx, path)


# 7 ─────────────────────────────────────────────────────────────────────────────────────────
DOCKERIGNORE_HEAD = """\
# BuildKit reads <Dockerfile>.dockerignore instead of the root .dockerignore for this Dockerfile
# only: the other services' builds keep the context they always had.
*
!apps/auth/
!apps/auth_relay/
"""


def _dockerignore(ctx: Context) -> str:
    ours = (ctx.source / ".dockerignore").read_text(encoding="utf-8")
    marker = "# Never in an image"
    if marker not in ours:
        raise HandoverError(".dockerignore of this repository lost its exclusion section")
    return DOCKERIGNORE_HEAD + "\n" + ours[ours.index(marker) :]


def _dockerfile(text: str, where: str) -> str:
    text = replace_line(
        text,
        "COPY pyproject.toml uv.lock ./",
        "# eco2-team/backend's root pyproject.toml is lint configuration only; this image's\n"
        "# Python project and lock live in apps/auth.\n"
        f"COPY {PROJECT_DIR}/pyproject.toml {PROJECT_DIR}/uv.lock ./",
        where=where,
    )
    # eco2-team/backend has no apps/__init__.py, and adding one would change how its other
    # services' tests are imported: `apps` stays a namespace package, which imports the same.
    return remove_block(text, "COPY apps/__init__.py apps/__init__.py\n", where=where)


def services(ctx: Context) -> None:
    for path in SERVICE_DIRS:
        _replace_tree(ctx, path)
        dockerfile = f"{path}/Dockerfile"
        _edit(ctx, dockerfile, lambda text, where=dockerfile: _dockerfile(text, where))
        (ctx.target / f"{dockerfile}.dockerignore").write_text(_dockerignore(ctx))
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copyfile(ctx.source / name, ctx.target / PROJECT_DIR / name)
    # What ci-auth-v2.yml runs beside the project: the tools the tests drive, and the
    # dependency gate with its reviewed exceptions.
    for source, name in (
        ("scripts/ci-tools.sh", "ci-tools.sh"),
        ("scripts/pip-audit.sh", "pip-audit.sh"),
        (".pip-audit-exceptions.toml", ".pip-audit-exceptions.toml"),
    ):
        shutil.copyfile(ctx.source / source, ctx.target / PROJECT_DIR / name)
    (ctx.target / bases.OUR_TAGS_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
    tags_script = ctx.source / ".github/scripts/image_tags.py"
    shutil.copyfile(tags_script, ctx.target / bases.OUR_TAGS_SCRIPT)
    shutil.copyfile(FILES / "ci-auth-v2.yml", ctx.target / bases.OUR_WORKFLOW)


# 8 ─────────────────────────────────────────────────────────────────────────────────────────
def _with_wave(text: str, wave: str, where: str) -> str:
    metadata = yaml.safe_load(text)["metadata"]
    annotations = metadata.get("annotations") or {}
    current = annotations.get("argocd.argoproj.io/sync-wave")
    if current is not None:
        if str(current) != wave:
            raise HandoverError(f"{where}: sync-wave {current!r}, the platform's is {wave!r}")
        return text
    line = f'    argocd.argoproj.io/sync-wave: "{wave}"\n'
    if annotations:
        return insert_after(text, "  annotations:", line, where=where)
    return insert_after(text, f"  name: {metadata['name']}", "  annotations:\n" + line, where=where)


def application_sets(ctx: Context) -> None:
    for env, target in (("dev", bases.DEV_AUTH_APPSET), ("prod", bases.PROD_AUTH_APPSET)):
        text = (ctx.source / f"clusters/{env}/apps/40-apis-appset.yaml").read_text()
        (ctx.target / target).write_text(_with_wave(text, WAVES[env], target))
    for path in (bases.DEV_IMAGE_UPDATER, bases.PROD_IMAGE_UPDATER):
        (ctx.target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ctx.source / path, ctx.target / path)


# 9 ─────────────────────────────────────────────────────────────────────────────────────────
def hand_over_route(ctx: Context) -> None:
    for env, path in (("dev", bases.DEV_ROUTES), ("prod", bases.PROD_ROUTES)):
        block = (
            "      - name: auth\n"
            "        namespace: auth\n"
            f"        path: workloads/routing/auth/{env}\n"
        )
        _edit(ctx, path, lambda text, block=block, path=path: remove_block(text, block, where=path))
    shutil.rmtree(ctx.target / V1_ROUTE_DIR)


STEPS: tuple[Step, ...] = (
    Step(
        "preserve",
        "ApplicationSets dev/prod-apis, -workers, -istio-routes keep resources when an element"
        " leaves",
        "preserveResourcesOnDeletion: true on the six shared sets. Removing an element from a\n"
        "list generator deletes its Application, and without this flag everything the\n"
        "Application runs goes with it. Nothing is removed from any set in this commit.",
        preserve_resources,
        "kubectl get applicationset -n argocd dev-apis dev-workers dev-istio-routes"
        " -o jsonpath='{.items[*].spec.syncPolicy}' shows preserveResourcesOnDeletion:true three"
        " times; every dev-api-*, dev-* worker and dev-route-* Application is still Synced",
    ),
    Step(
        "network-policy",
        "NetworkPolicy: namespace auth reaches Redis Sentinel (26379) and users-api HTTP (8000),"
        " Prometheus its sidecars' stats (15090)",
        "The auth API finds the auth-redis master through Sentinel and deletes a user's\n"
        "profile over the users service's HTTP port; both were dropped by the egress policies\n"
        "that select every pod in namespace auth. The canary is judged on the sidecars'\n"
        "Envoy stats while v1 is stable, which only istio-system's pods could scrape.",
        network_policy,
        "kubectl get networkpolicy -n auth allow-auth-redis-sentinel"
        " allow-auth-egress-to-users-http allow-auth-envoy-stats-from-prometheus;"
        " v1's auth keeps answering /api/v1/auth/health",
        (bases.NETPOL_NEW,),
    ),
    Step(
        "redis-settings",
        "auth-redis (prod): a write needs a replica within 10 s (min-replicas-to-write 1,"
        " min-replicas-max-lag 10)",
        "The API reports a revocation as done only once a replica holds it, and its /ready\n"
        "notes a primary without these settings. With them the primary itself refuses a\n"
        "write that no replica follows, so nothing acknowledged can vanish in a failover.\n"
        "Production's auth-redis runs three nodes; dev's single node is left as it is.",
        redis_settings,
        "in prod, kubectl get redisfailover -n redis auth-redis -o"
        " jsonpath='{.spec.redis.customConfig}' ends with min-replicas-to-write 1 and"
        ' min-replicas-max-lag 10, and /api/v1/auth/ready answers 200 with checks.redis "ok"',
    ),
    Step(
        "ci-ownership",
        "CI: ci-services, ci-canary and ci-ext-authz leave auth; ci-auth-relay goes",
        "auth is no longer in ci-services.yml's paths and service list, nor in ci-canary.yml's\n"
        "API services and relay detection; ci-ext-authz.yml stops re-dumping auth's overlay;\n"
        "ci-auth-relay.yml built only the relay. Every other service builds as before. From\n"
        "the next commit on, ci-auth-v2.yml is the one pipeline that pushes auth-api-* and\n"
        "auth-relay-*.",
        v1_ci_lets_go,
        "a push that touches another service (e.g. apps/users) still runs ci-services.yml for"
        " it; no workflow run lists auth or auth-relay",
    ),
    Step(
        "leave-shared-sets",
        "dev-apis / prod-apis and dev-workers / prod-workers no longer list auth and auth-relay",
        "Their Applications dev-api-auth and dev-auth-relay (prod-…) are deleted; what they\n"
        "ran stays in namespace auth (previous commit) and keeps serving until the auth\n"
        "ApplicationSets adopt it.",
        leave_shared_sets,
        "kubectl get application -n argocd dev-api-auth dev-auth-relay answers NotFound;"
        " kubectl get deploy,svc,configmap -n auth still lists v1's auth-api, auth-relay and"
        " auth-config; /api/v1/auth/health answers 200",
    ),
    Step(
        "manifests",
        "auth v2 manifests: workloads/domains/auth and workloads/domains/auth-relay",
        "Stable and canary tracks, the VirtualService auth-api, ExternalSecrets, the\n"
        "migration Job and monitoring. No Application points at them before the auth\n"
        "ApplicationSets arrive.",
        manifests,
        "kubectl kustomize workloads/domains/auth/dev and workloads/domains/auth-relay/dev"
        " render; nothing in the cluster changed",
        MANIFEST_DIRS,
    ),
    Step(
        "services",
        "auth v2: apps/auth and apps/auth_relay, their locked Python project, ci-auth-v2.yml",
        "The API and the relay replace v1's sources. Their Python project and uv.lock live in\n"
        "apps/auth (the root pyproject.toml stays the repository's lint configuration), and\n"
        "each Dockerfile copies them from there, with a Dockerfile-specific .dockerignore so\n"
        "no other service's build context changes. ci-auth-v2.yml checks, tests and builds\n"
        "auth-api and auth-relay; nothing deploys them yet.",
        services,
        "ci-auth-v2.yml is green on develop and pushed auth-api-dev-latest and"
        " auth-relay-dev-latest (docker buildx imagetools inspect docker.io/mng990/eco2:"
        "auth-api-dev-latest)",
        (*SERVICE_DIRS, bases.OUR_TAGS_SCRIPT, bases.OUR_WORKFLOW),
    ),
    Step(
        "application-sets",
        "ApplicationSets dev-auth / prod-auth at the platform's waves 40 / 60",
        "They generate dev-api-auth and dev-api-auth-relay (prod-…) from this project's\n"
        "overlays, with preserveResourcesOnDeletion and the Image Updater annotations.",
        application_sets,
        "kubectl get application -n argocd dev-api-auth dev-api-auth-relay are Synced and"
        " Healthy; kubectl get virtualservice -n auth auth-api exists; /api/v1/auth/health"
        " answers 200 with and without X-Canary: true",
        (
            bases.DEV_AUTH_APPSET,
            bases.PROD_AUTH_APPSET,
            bases.DEV_IMAGE_UPDATER,
            bases.PROD_IMAGE_UPDATER,
        ),
    ),
    Step(
        "route",
        "Routes: auth-vs leaves dev/prod-istio-routes; auth-api's VirtualService serves"
        " /api/v1/auth",
        "Only after the previous commit is synced and auth-api's VirtualService answers:\n"
        "removed earlier, /api/v1/auth/* would have no route. The preserved auth-vs is\n"
        "deleted by hand once this commit is synced (RUNBOOK, cut-over).",
        hand_over_route,
        "kubectl get application -n argocd dev-route-auth answers NotFound; then"
        " kubectl delete virtualservice -n auth auth-vs; /api/v1/auth/health still answers 200",
    ),
)
