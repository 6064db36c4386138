"""Image tags for one build, from the branch (or the canary track) that produced it.

develop: `<image>-dev-latest` and `<image>-dev-<short sha>`; main: `<image>-prod-latest`,
`<image>-v<version>` and `<image>-v<version>-<short sha>`; canary: `<image>-dev-canary` (the
moving tag Image Updater follows) and `<image>-dev-canary-<short sha>` (immutable, to pin or
roll back to) for a pull request into develop, `prod` instead of `dev` for one into main. Any
other ref or base branch has no tags, so the build job fails instead of pushing something
nobody deploys.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tomllib
from pathlib import Path

REPOSITORY = "docker.io/mng990/eco2"
_IMAGE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SHA = re.compile(r"[0-9a-f]{40}")
_CANARY_BASES = {"develop": "dev", "main": "prod"}
_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+(?:[.+-][0-9A-Za-z.]+)?")


def tags(
    *, image: str, ref: str, sha: str, version: str, track: str = "stable", base: str = "develop"
) -> list[str]:
    if not _IMAGE.fullmatch(image):
        raise ValueError(f"image name {image!r} is not a valid tag prefix")
    if not _SHA.fullmatch(sha):
        raise ValueError(f"{sha!r} is not a full commit sha")
    if track == "canary":
        if base not in _CANARY_BASES:
            raise ValueError(
                f"canary images are built for pull requests into develop or main, not {base!r}"
            )
        moving = f"{_CANARY_BASES[base]}-canary"
        suffixes = [moving, f"{moving}-{sha[:7]}"]
    elif track != "stable":
        raise ValueError(f"unknown track {track!r}")
    elif ref == "refs/heads/develop":
        suffixes = ["dev-latest", f"dev-{sha[:7]}"]
    elif ref == "refs/heads/main":
        if not _VERSION.fullmatch(version):
            raise ValueError(f"{version!r} is not a release version")
        clean = version.replace("+", "-")
        suffixes = ["prod-latest", f"v{clean}", f"v{clean}-{sha[:7]}"]
    else:
        raise ValueError(f"{ref!r} does not publish images")
    return [f"{REPOSITORY}:{image}-{suffix}" for suffix in suffixes]


def _version_of(pyproject: Path) -> str:
    with pyproject.open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True, help="tag prefix, e.g. auth-api")
    parser.add_argument("--ref", required=True, help="GITHUB_REF of the build")
    parser.add_argument("--sha", required=True, help="full commit sha")
    parser.add_argument("--version", help="release version; default: from --pyproject")
    parser.add_argument("--pyproject", type=Path, default=Path("pyproject.toml"))
    parser.add_argument("--track", choices=("stable", "canary"), default="stable")
    parser.add_argument("--base", default="develop", help="base branch of a canary pull request")
    args = parser.parse_args(argv)

    version = args.version or _version_of(args.pyproject)
    try:
        result = tags(
            image=args.image,
            ref=args.ref,
            sha=args.sha,
            version=version,
            track=args.track,
            base=args.base,
        )
    except ValueError as error:
        print(f"image_tags: {error}", file=sys.stderr)
        return 1
    print("\n".join(result))
    if output := os.environ.get("GITHUB_OUTPUT"):
        with open(output, "a", encoding="utf-8") as handle:
            handle.write(f"tags={','.join(result)}\nversion={version}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
