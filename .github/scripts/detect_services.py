"""Turn a change set into the build matrix of ci-services.yml and ci-canary.yml.

A service is a directory `apps/<name>` (Clean Architecture) or `domains/<name>` (legacy layout)
that holds a Dockerfile; `apps/` wins when both do. A change anywhere under either directory of a
service selects it for testing; for an image only a change that reaches the image does (not its
tests, not Markdown, which .dockerignore keeps out). A change to a shared input (what the
Dockerfiles copy from outside the service, what the CI runs) selects every service for both; an
unknown base commit (first push of a branch, force push, manual run) selects every service too,
because the safe answer to "what changed?" is "everything".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath

LAYOUTS = ("apps", "domains")
EXCLUDED = frozenset({"auth_relay"})  # built and tagged by ci-auth-relay.yml
SHARED_FILES = frozenset(
    {
        "pyproject.toml",
        "uv.lock",
        ".dockerignore",
        "apps/__init__.py",
        "Makefile",
        "scripts/ensure-services.sh",
        "scripts/ci-tools.sh",
        ".github/workflows/ci-services.yml",
        ".github/workflows/ci-canary.yml",
        ".github/workflows/ci-checks.yml",
    }
)
SHARED_DIRECTORIES = (".github/scripts/",)
_SERVICE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_NULL_SHA = re.compile(r"0+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    service: str
    layout: str
    path: str
    dockerfile: str
    pythonpath: str
    image: str
    version: str


def discover(root: Path) -> dict[str, Service]:
    services: dict[str, Service] = {}
    for layout in LAYOUTS:
        base = root / layout
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            name = child.name
            if name in services or name in EXCLUDED or not _SERVICE_NAME.fullmatch(name):
                continue
            if (child / "Dockerfile").is_file():
                services[name] = _describe(root, layout, name)
    return services


def _describe(root: Path, layout: str, name: str) -> Service:
    path = f"{layout}/{name}"
    own_project = root / path / "pyproject.toml"
    version_source = own_project if layout == "domains" and own_project.is_file() else root
    return Service(
        service=name,
        layout=layout,
        path=path,
        dockerfile=f"{path}/Dockerfile",
        pythonpath="." if layout == "apps" else path,
        image=f"{name.replace('_', '-')}-api",
        version=_project_version(version_source),
    )


def _project_version(source: Path) -> str:
    pyproject = source if source.suffix == ".toml" else source / "pyproject.toml"
    with pyproject.open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def _shared(path: str) -> bool:
    return path in SHARED_FILES or path.startswith(SHARED_DIRECTORIES)


def _reaches_image(parts: tuple[str, ...]) -> bool:
    return "tests" not in parts[2:] and not parts[-1].lower().endswith(".md")


def affected(paths: Iterable[str], known: Iterable[str], *, image: bool = False) -> set[str]:
    """Services a change set selects: for testing, or (`image=True`) for a new image."""
    names = set(known)
    hit: set[str] = set()
    for raw in paths:
        parts = PurePosixPath(raw.strip().removeprefix("./")).parts
        if _shared("/".join(parts)):
            return names
        in_service = len(parts) >= 2 and parts[0] in LAYOUTS and parts[1] in names
        if in_service and (not image or _reaches_image(parts)):
            hit.add(parts[1])
    return hit


def matrix(
    services: Mapping[str, Service], selected: Iterable[str]
) -> dict[str, list[dict[str, str]]]:
    return {"include": [asdict(services[name]) for name in sorted(set(selected))]}


def parse_name_status(output: str) -> list[str]:
    """Paths of `git diff --name-status -z`; a rename or copy yields its source and target."""
    tokens = [token for token in output.split("\0") if token]
    paths: list[str] = []
    index = 0
    while index < len(tokens):
        status = tokens[index]
        width = 2 if status[:1] in ("R", "C") else 1
        paths.extend(tokens[index + 1 : index + 1 + width])
        index += 1 + width
    return paths


def changed_paths(root: Path, base: str | None, head: str) -> list[str] | None:
    """None when the change set cannot be known (no base, or base not in the history)."""
    if not base or _NULL_SHA.fullmatch(base):
        return None
    # Revisions come from the event payload; after --end-of-options git never reads them as flags.
    command = ["git", "diff", "--name-status", "-z", "--find-renames", "--end-of-options"]
    command += [base, head, "--"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)  # noqa: S603
    return parse_name_status(result.stdout) if result.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="changed paths (instead of --base/--head)")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--base", help="commit the change set starts from")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--all", action="store_true", help="select every service")
    args = parser.parse_args(argv)

    services = discover(args.root)
    paths = args.paths or (None if args.all else changed_paths(args.root, args.base, args.head))
    lines = []
    for prefix, image in (("", False), ("build_", True)):
        selected = set(services) if paths is None else affected(paths, services, image=image)
        result = matrix(services, selected)
        encoded = json.dumps(result, separators=(",", ":"), sort_keys=True)
        lines += [f"{prefix}matrix={encoded}", f"{prefix}any={str(bool(selected)).lower()}"]
    print("\n".join(lines))
    if output := os.environ.get("GITHUB_OUTPUT"):
        with open(output, "a", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
