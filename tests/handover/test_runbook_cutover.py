"""The RUNBOOK's cut-over follows the handover: pre-flight first, the commits in their order,
and nothing the platform contradicts (workloads/domains/auth/RUNBOOK.md)."""

from __future__ import annotations

import re
from pathlib import Path

from tools.handover import cli
from tools.handover.steps import STEPS

RUNBOOK = Path(__file__).resolve().parents[2] / "workloads/domains/auth/RUNBOOK.md"
# What each handover commit's entry in "The handover commits" starts with, by step.
ENTRY = {
    "preserve": "`preserveResourcesOnDeletion` on the shared sets",
    "network-policy": "NetworkPolicy",
    "ci-ownership": "CI ownership",
    "leave-shared-sets": "`auth` and `auth-relay` leave `dev-apis` and `dev-workers`",
    "services": "This project's services",
    "manifests": "This project's manifests",
    "application-sets": "The ApplicationSets `dev-auth` / `prod-auth`",
    "route": "`auth-vs` leaves `dev-istio-routes`",
}


def _section(title: str) -> str:
    text = RUNBOOK.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _subsection(section: str, title: str) -> str:
    start = section.index(f"\n### {title}\n")
    end = section.find("\n### ", start + 1)
    return section[start : end if end != -1 else len(section)]


def test_the_handover_commits_are_listed_in_the_order_make_handover_writes_them() -> None:
    commits = _subsection(_section("Cut-over from v1"), "The handover commits")

    entries = re.findall(r"^(\d)\. \*\*(.+?)\*\*", commits, re.MULTILINE)

    assert [int(number) for number, _ in entries] == list(range(1, len(STEPS) + 1))
    for (_, entry), step in zip(entries, STEPS, strict=True):
        assert entry.startswith(ENTRY[step.slug]), (step.slug, entry)
    assert "one commit at a time" in commits


def test_pre_flight_comes_first_and_covers_what_the_cut_over_relies_on() -> None:
    section = _section("Cut-over from v1")
    headings = re.findall(r"^### (.+)$", section, re.MULTILINE)
    pre_flight = _subsection(section, "Pre-flight")

    assert headings.index("Pre-flight") < headings.index("The handover commits")
    assert headings.index("The handover commits") < headings.index("Step 1: expand the schema")
    assert headings.index("Step 3: promote") < headings.index("Prod readiness")
    assert headings.index("Prod readiness") < headings.index("After v1 is retired")
    for needle in (
        "AUTH_JWT_SECRET_KEY",  # the shared secret's strength
        "users-api-grpc.users.svc.cluster.local:50051",  # the users service
        "tableowner",  # who owns the tables
        'psql "postgresql://',
        "--schema=auth --schema=users",  # the dump of both schemas
        "-l domain=auth",  # node capacity
    ):
        assert needle in pre_flight, needle


def test_prod_is_a_readiness_list_and_its_issuer_waits_for_v1_to_go() -> None:
    section = _section("Cut-over from v1")
    readiness = _subsection(section, "Prod readiness")
    platform = _section("Platform")

    boxes = re.findall(r"^- \[ \] \*\*(.+?):\*\*", readiness, re.MULTILINE)
    assert {"Broker", "Image Updater", "ext-authz provider", "Redirect URIs"} <= set(boxes)
    issuer = next(item for item in re.split(r"\n\d\. ", platform) if "own issuer" in item)
    assert issuer.startswith("**After v1 is retired:**")
    assert "own issuer" in _subsection(section, "After v1 is retired")


def test_the_break_glass_pauses_sync_patches_and_puts_git_right() -> None:
    weights = _subsection(
        _section("Cut-over from v1"), "Step 2: canary with the compatibility profile"
    )

    pause = weights.index("argocd app set dev-api-auth --sync-policy none")
    patch = weights.index("kubectl patch virtualservice auth-api -n auth")
    resume = weights.index("argocd app set dev-api-auth --sync-policy automated")

    assert pause < patch < weights.index("argocd app diff dev-api-auth") < resume


def test_statements_the_platform_contradicts_are_gone() -> None:
    ours = _section("Platform") + _section("Cut-over from v1")

    assert "RDS" not in ours
    assert not re.search(r"psql[^\n]*asyncpg", ours)
    assert not re.search(r"no mesh (jwt )?filter", ours, re.IGNORECASE)
    assert "CUSTOM" in ours and "ext-authz" in ours


def test_the_checklist_make_handover_prints_is_in_the_runbook() -> None:
    text = RUNBOOK.read_text()

    for words in ("kakao-client-secret", "jwt-previous-public-keys", "redirect URIs"):
        assert words in text
        assert any(words in item for item in cli.CHECKLIST), words
