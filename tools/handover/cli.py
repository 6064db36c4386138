"""`python -m tools.handover <eco2-team/backend checkout>`: the handover as a branch of commits."""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.handover import bases
from tools.handover.edits import HandoverError
from tools.handover.steps import SOURCE_PATHS, STEPS, Context

BRANCH = "auth-v2-handover"
HERE = Path(__file__).resolve().parents[2]

# What the platform needs that no commit can carry. Printed after the commits, in the order
# the RUNBOOK's cut-over meets them.
CHECKLIST = (
    "SSM (both envs, before step 8): every /sesacthon/<env>/ parameter auth-api-secrets"
    " reads exists (kubectl get externalsecret -n auth auth-api-secrets turns Ready); the"
    " jwt-secret is at least 32 random bytes; jwt-previous-public-keys only with ES256",
    "SSM prod: the prod auth-secret gains AUTH_AMQP_URL (the ext-authz Deployment requires it)",
    "Image Updater (dev, before step 8): git write-back credentials for"
    " https://github.com/eco2-team/backend.git in namespace argocd"
    " (argocd-image-updater.argoproj.io/write-back-method: git)",
    "Image Updater (prod, before prod's step 8): prod runs none; install it with the same"
    " credentials, or pin prod's overlays to immutable tags",
    "Provider consoles: register https://api.dev.growbin.app/api/v1/auth/{kakao,google,naver}"
    "/callback (prod: https://api.growbin.app/…) as redirect URIs",
    "Node capacity: the domain=auth pool holds stable, one canary pod and the migration Job at"
    " once; the domain=worker-storage pool one more relay pod",
    "Registry: DOCKERHUB_USERNAME and DOCKERHUB_TOKEN repository secrets push to mng990/eco2",
    "After step 9 is synced: kubectl delete virtualservice -n auth auth-vs (it was preserved)",
)


def _git(checkout: Path, *args: str, check: bool = True) -> str:
    result = bases.run_git(checkout, *args)
    if check and result.returncode != 0:
        raise HandoverError(f"git {' '.join(args)}: {result.stderr.decode().strip()}")
    return result.stdout.decode()


def _extract(source: Path, into: Path) -> str:
    """This repository's HEAD (never its uncommitted files) under `into`; returns the commit."""
    commit = _git(source, "rev-parse", "HEAD").strip()
    archive = bases.run_git(source, "archive", "--format=tar", commit, "--", *SOURCE_PATHS)
    if archive.returncode != 0:
        raise HandoverError(f"git archive of this repository: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return commit


def refuse_reason(checkout: Path, known: Mapping[str, bases.Fingerprint]) -> str | None:
    if not (checkout / ".git").exists():
        return f"{checkout} is not a git checkout of eco2-team/backend"
    if _git(checkout, "status", "--porcelain", "--untracked-files=all").strip():
        return f"{checkout} has uncommitted changes: commit or stash them, then run again"
    if _git(checkout, "rev-parse", "--verify", "--quiet", f"refs/heads/{BRANCH}", check=False):
        return f"{checkout} already has a branch {BRANCH}: delete it to hand over again"
    if bases.recognise(checkout, known) is None:
        name, base = next(iter(known.items()))
        changed = bases.differences(checkout, base)
        return (
            f"{checkout}: HEAD's platform files are not a base this handover knows "
            f"({', '.join(changed[:3])}{' …' if len(changed) > 3 else ''} differ from {name})"
        )
    return None


def handover(
    checkout: Path, *, source: Path = HERE, known: Mapping[str, bases.Fingerprint] = bases.KNOWN
) -> list[str]:
    """Creates the branch; returns the new commits' ids, oldest first."""
    if reason := refuse_reason(checkout, known):
        raise HandoverError(reason)
    start = _git(checkout, "rev-parse", "--abbrev-ref", "HEAD").strip()
    base = _git(checkout, "rev-parse", "HEAD").strip()
    identity: list[str] = []
    if not _git(checkout, "config", "user.email", check=False).strip():
        identity = ["-c", "user.name=Eco2 auth handover", "-c", "user.email=auth@eco2.invalid"]
    with tempfile.TemporaryDirectory(prefix="handover-") as tmp:
        ours = _extract(source, Path(tmp))
        _git(checkout, "checkout", "--quiet", "-b", BRANCH)
        try:
            for number, step in enumerate(STEPS, start=1):
                step.apply(Context(target=checkout, source=Path(tmp)))
                _git(checkout, "add", "--all")
                if step.writes:
                    _git(checkout, "add", "--force", "--", *step.writes)
                if not _git(checkout, "status", "--porcelain").strip():
                    raise HandoverError(f"step {number} ({step.slug}) changed nothing")
                message = (
                    f"{step.subject}\n\n{step.body}\n\n"
                    f"Handover step {number}/{len(STEPS)} from eco2-auth {ours[:12]}.\n"
                    f"Check after sync: {step.check}\n"
                )
                _git(checkout, *identity, "commit", "--quiet", "--no-verify", "-m", message)
        except BaseException:
            _git(checkout, "reset", "--quiet", "--hard", check=False)
            _git(checkout, "checkout", "--quiet", "-f", start if start != "HEAD" else base)
            _git(checkout, "branch", "--quiet", "-D", BRANCH, check=False)
            raise
    return _git(checkout, "rev-list", "--reverse", f"{base}..{BRANCH}").split()


def main(
    argv: Sequence[str] | None = None, known: Mapping[str, bases.Fingerprint] = bases.KNOWN
) -> int:
    parser = argparse.ArgumentParser(prog="make handover", description=__doc__)
    parser.add_argument("checkout", type=Path, help="a clean checkout of eco2-team/backend")
    args = parser.parse_args(argv)
    checkout = args.checkout.resolve()
    try:
        commits = handover(checkout, known=known)
    except HandoverError as error:
        print(f"handover refused: {error}", file=sys.stderr)
        return 1
    print(f"Branch {BRANCH} in {checkout}, one commit per step:")
    for number, (commit, step) in enumerate(zip(commits, STEPS, strict=True), start=1):
        print(f"  {number}. {commit[:10]} {step.subject}")
        print(f"     check after sync: {step.check}")
    print("\nNot in any commit, for the operator (RUNBOOK: Cut-over from v1):")
    for item in CHECKLIST:
        print(f"  [ ] {item}")
    return 0
