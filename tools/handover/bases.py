"""The platform files the handover edits or creates, and the versions of them it knows.

A base is recognised by content, not by commit id: the sha256 of every file the steps edit,
and the absence of every file they create. A HEAD where any of them differs (a rebased branch
with the same files is fine; a platform that changed one of them is not) is refused, because
the line-level edits were written against exactly these files.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

DEV_APIS = "clusters/dev/apps/40-apis-appset.yaml"
DEV_WORKERS = "clusters/dev/apps/41-workers-appset.yaml"
DEV_ROUTES = "clusters/dev/apps/50-istio-routes.yaml"
PROD_APIS = "clusters/prod/apps/60-apis-appset.yaml"
PROD_WORKERS = "clusters/prod/apps/61-workers-appset.yaml"
PROD_ROUTES = "clusters/prod/apps/50-istio-routes.yaml"
NETPOL_KUSTOMIZATION = "workloads/network-policies/base/kustomization.yaml"
CI_SERVICES = ".github/workflows/ci-services.yml"
CI_CANARY = ".github/workflows/ci-canary.yml"
CI_AUTH_RELAY = ".github/workflows/ci-auth-relay.yml"
CI_EXT_AUTHZ = ".github/workflows/ci-ext-authz.yml"
REDIS_PROD = "workloads/redis/prod/kustomization.yaml"

NETPOL_NEW = "workloads/network-policies/base/allow-auth-sentinel-and-users-http.yaml"
OUR_WORKFLOW = ".github/workflows/ci-auth-v2.yml"
OUR_TAGS_SCRIPT = ".github/scripts/auth_image_tags.py"
DEV_AUTH_APPSET = "clusters/dev/apps/40-auth-appset.yaml"
PROD_AUTH_APPSET = "clusters/prod/apps/60-auth-appset.yaml"
DEV_IMAGE_UPDATER = "clusters/dev/image-updater/auth-image-updater.yaml"
PROD_IMAGE_UPDATER = "clusters/prod/image-updater/auth-image-updater.yaml"

EDITED = (
    DEV_APIS,
    DEV_WORKERS,
    DEV_ROUTES,
    PROD_APIS,
    PROD_WORKERS,
    PROD_ROUTES,
    NETPOL_KUSTOMIZATION,
    CI_SERVICES,
    CI_CANARY,
    CI_AUTH_RELAY,
    CI_EXT_AUTHZ,
    REDIS_PROD,
)
CREATED = (
    NETPOL_NEW,
    OUR_WORKFLOW,
    OUR_TAGS_SCRIPT,
    DEV_AUTH_APPSET,
    PROD_AUTH_APPSET,
    DEV_IMAGE_UPDATER,
    PROD_IMAGE_UPDATER,
)
WATCHED = EDITED + CREATED

Fingerprint = Mapping[str, str | None]

GIT = shutil.which("git") or "git"


def run_git(checkout: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """git in `checkout`; the arguments are this tool's own, plus paths the operator gave."""
    return subprocess.run([GIT, "-C", str(checkout), *args], capture_output=True, check=False)  # noqa: S603


# eco2-team/backend@4c3eebb3 (`git show 4c3eebb3:<path> | sha256sum`).
ECO2_4C3EEBB3: Fingerprint = {
    DEV_APIS: "5e847015a6518eca12f8bbd90b6dca59970fcd9e14274822629fe1cd49f1529e",
    DEV_WORKERS: "7caf5ccfe6705425637bfe53669d2988cea8513dda69da7ad3c141c8482ce3df",
    DEV_ROUTES: "9ca62d7688fcbb22596a53835b96edc618d632df770e8705a0a0b5c6eb506609",
    PROD_APIS: "d9b1c2e331358e4333dfb81270547e7244f59b322598f50521d1e0139ae1bfd5",
    PROD_WORKERS: "9b084e9b6f9a71e14d9044a9b293bc9911155a1e2a6b11c623196ab9b2ec7526",
    PROD_ROUTES: "169cc4ed8c8047e48df129b6a3fe423a1a3e7e5c6321a77a6f723229c89a99e2",
    NETPOL_KUSTOMIZATION: "cdf2c1cc65d105b5200fbeb76690ddf1c51537f434cd5293d6017796320a9e2e",
    CI_SERVICES: "980d1424bf74449d1e50658fc38a7c4a7380a5fcd10995a9a58d03bab6eb4909",
    CI_CANARY: "84ae9458127c6d2f05326e34b9c18aaa56e07cdde7270d5bb85c09941588939c",
    CI_AUTH_RELAY: "6cc7faad6ca572615934991a575aaba4283658ad33a94544bd3a561cc0d8c28f",
    CI_EXT_AUTHZ: "40c2b1dc595931c296b18555f3b5cfd109c95c66da000df44160dcc1685c8d0f",
    REDIS_PROD: "07f8a1b38230982b1d1afb82f7de5924311a2fa9daea5d907dcd499e913d4c22",
    **dict.fromkeys(CREATED),
}

KNOWN: dict[str, Fingerprint] = {"eco2-team/backend@4c3eebb3": ECO2_4C3EEBB3}


def fingerprint(checkout: Path, paths: Iterable[str] = WATCHED, rev: str = "HEAD") -> Fingerprint:
    """sha256 of each path as committed at `rev`, or None where the path does not exist."""
    result: dict[str, str | None] = {}
    for path in paths:
        shown = run_git(checkout, "cat-file", "blob", f"{rev}:{path}")
        result[path] = hashlib.sha256(shown.stdout).hexdigest() if shown.returncode == 0 else None
    return result


def recognise(checkout: Path, known: Mapping[str, Fingerprint]) -> str | None:
    """The name of the known base the checkout's HEAD matches, or None."""
    found = fingerprint(checkout)
    return next((name for name, base in known.items() if dict(base) == dict(found)), None)


def differences(checkout: Path, base: Fingerprint) -> list[str]:
    found = fingerprint(checkout, base.keys())
    return [path for path in base if found[path] != base[path]]
