"""The RUNBOOK's cut-over follows the handover: pre-flight first, the commits in their order,
and nothing the platform contradicts (workloads/domains/auth/RUNBOOK.md)."""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from apps.auth.tests.pg import migrate, throwaway_database
from tools.handover import cli
from tools.handover.steps import STEPS

RUNBOOK = Path(__file__).resolve().parents[2] / "workloads/domains/auth/RUNBOOK.md"
# What each handover commit's entry in "The handover commits" starts with, by step.
ENTRY = {
    "preserve": "`preserveResourcesOnDeletion` on the shared sets",
    "network-policy": "NetworkPolicy",
    "redis-settings": "`auth-redis` in production refuses a write no replica follows",
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

    for words in ("auth-api-secrets", "jwt-previous-public-keys", "redirect URIs", "AUTH_AMQP_URL"):
        assert words in text
        assert any(words in item for item in cli.CHECKLIST), words


# The users service's tables as the cut-over's queries read them (eco2-team/backend
# migrations/users/versions/20260103_0001_initial_users_schema.py: users.accounts with
# created_at, users.social_accounts keyed by provider and provider_user_id); only the columns
# the queries touch.
USERS_SCHEMA = """
CREATE SCHEMA users;
CREATE TABLE users.accounts (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE users.social_accounts (
    user_id uuid NOT NULL REFERENCES users.accounts (id),
    provider text NOT NULL,
    provider_user_id text NOT NULL
);
"""


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """v1's database as v2 finds it after step 1: our migrations plus the users schema."""
    with throwaway_database() as url:
        migrate(url)
        libpq = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        _psql(libpq, "-c", USERS_SCHEMA)
        yield libpq


def _psql(url: str, *args: str, sql: str | None = None) -> str:
    result = subprocess.run(
        ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", *args],
        input=sql,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _shell_commands(section: str) -> list[list[str]]:
    blocks = re.findall(r"```(?:bash|sh|shell)\n(.*?)```", section, re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line and not line.startswith("#")]


def test_every_psql_command_and_sql_block_of_the_cut_over_runs(database: str) -> None:
    section = _section("Cut-over from v1")
    commands = [argv for argv in _shell_commands(section) if argv[0] == "psql"]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)

    assert len(commands) >= 3 and len(blocks) >= 3
    for argv in commands:
        assert argv[1].startswith("postgresql://"), argv
        _psql(database, *argv[2:])
    for block in blocks:
        _psql(database, sql=block)
    [owner_query] = [argv[-1] for argv in commands if "tableowner" in argv[-1]]
    owners = _psql(database, "-A", "-t", "-c", owner_query)
    assert "auth|login_audits|" in owners and "users|accounts|" in owners


def test_the_backup_of_both_schemas_is_written_and_restorable(
    database: str, tmp_path: Path
) -> None:
    commands = _shell_commands(_section("Cut-over from v1"))
    [dump] = [argv for argv in commands if argv[0] == "pg_dump"]
    [listing] = [argv for argv in commands if argv[0] == "pg_restore"]
    target = tmp_path / listing[-1]
    dump = [database if token == dump[1] else token for token in dump]
    dump = [f"--file={target}" if token.startswith("--file=") else token for token in dump]

    subprocess.run(dump, check=True, capture_output=True, timeout=120)
    restore = subprocess.run(
        [*listing[:-1], str(target)], check=True, capture_output=True, text=True
    )

    assert "TABLE auth login_audits" in restore.stdout
    assert "TABLE users social_accounts" in restore.stdout
    assert "TABLE public" not in restore.stdout
