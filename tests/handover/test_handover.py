"""`make handover` against a miniature eco2-team/backend built by tests/handover/monorepo.py.

The real repository is never needed here: the by-hand run against eco2-team/backend@4c3eebb3 is
described in docs/delivery.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.handover import monorepo
from tests.handover.monorepo import git
from tools.handover import bases, cli, steps
from tools.handover.edits import HandoverError
from tools.handover.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OURS = (
    "apps/auth/",
    "apps/auth_relay/",
    "workloads/domains/auth/",
    "workloads/domains/auth-relay/",
)
V1_ROUTE = "workloads/routing/auth/"


@pytest.fixture(scope="module")
def handed_over(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    repo = tmp_path_factory.mktemp("eco2") / "backend"
    base = monorepo.build(repo)
    known = {"miniature": bases.fingerprint(repo)}
    cli.handover(repo, known=known)
    yield repo, base


def _commits(repo: Path, base: str) -> list[str]:
    return git(repo, "rev-list", "--reverse", f"{base}..{cli.BRANCH}").split()


def _show(repo: Path, rev: str, path: str) -> str:
    return git(repo, "show", f"{rev}:{path}")


def _kustomizations(repo: Path, rev: str) -> list[str]:
    """Every Kustomization at `rev`; a Component renders only inside one, so it is left out."""
    names = git(repo, "ls-tree", "-r", "--name-only", rev).split()
    found = [n for n in names if Path(n).name == "kustomization.yaml"]
    kinds = {n: yaml.safe_load(_show(repo, rev, n)).get("kind", "Kustomization") for n in found}
    return sorted(str(Path(n).parent) for n in found if kinds[n] == "Kustomization")


def test_handover_makes_one_commit_per_step_in_the_documented_order(handed_over) -> None:
    repo, base = handed_over

    commits = _commits(repo, base)
    subjects = [git(repo, "log", "-1", "--format=%s", c).strip() for c in commits]

    assert subjects == [step.subject for step in STEPS]
    assert [s.slug for s in STEPS] == [
        "preserve",
        "network-policy",
        "redis-settings",
        "ci-ownership",
        "leave-shared-sets",
        "manifests",
        "services",
        "application-sets",
        "route",
    ]
    assert git(repo, "rev-parse", f"{commits[0]}^").strip() == base
    for number, commit in enumerate(commits, start=1):
        body = git(repo, "log", "-1", "--format=%b", commit)
        assert f"Handover step {number}/{len(STEPS)}" in body
        assert "Check after sync:" in body


def test_preserve_comes_before_anything_leaves_a_shared_set_and_the_route_comes_last(
    handed_over,
) -> None:
    repo, base = handed_over
    commits = _commits(repo, base)

    def elements(rev: str, path: str) -> list[str]:
        generator = yaml.safe_load(_show(repo, rev, path))["spec"]["generators"][0]
        return [e["name"] for e in generator["list"]["elements"]]

    def preserves(rev: str, path: str) -> bool:
        spec = yaml.safe_load(_show(repo, rev, path))["spec"]
        return spec.get("syncPolicy", {}).get("preserveResourcesOnDeletion") is True

    shared = [bases.DEV_APIS, bases.DEV_WORKERS, bases.DEV_ROUTES]
    shared += [bases.PROD_APIS, bases.PROD_WORKERS, bases.PROD_ROUTES]
    for rev in [base, *commits]:
        for path in shared:
            before = elements(base, path)
            if elements(rev, path) != before:
                assert preserves(f"{rev}^", path), f"{path} lost an element at {rev} unpreserved"
    ours_live = next(
        i
        for i, c in enumerate(commits)
        if "dev-auth" in git(repo, "ls-tree", "-r", "--name-only", c, "clusters/dev/apps")
        or bases.DEV_AUTH_APPSET in git(repo, "ls-tree", "-r", "--name-only", c)
    )
    route_gone = next(
        i for i, c in enumerate(commits) if "auth" not in elements(c, bases.DEV_ROUTES)
    )
    assert route_gone > ours_live
    shared_gone = next(
        i for i, c in enumerate(commits) if "auth" not in elements(c, bases.DEV_APIS)
    )
    assert shared_gone < ours_live
    assert elements(commits[-1], bases.DEV_APIS) == ["users", "scan"]
    assert elements(commits[-1], bases.PROD_WORKERS) == ["auth-worker", "scan-worker"]
    assert elements(commits[-1], bases.PROD_ROUTES) == ["gateway", "users"]


def test_every_kustomization_renders_after_every_commit(handed_over, tmp_path: Path) -> None:
    repo, base = handed_over
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is not on PATH (make install ships it)"
    rendered = set()
    for commit in _commits(repo, base):
        tree = tmp_path / commit
        git(repo, "worktree", "add", "--quiet", "--detach", str(tree), commit)
        try:
            for directory in _kustomizations(repo, commit):
                result = subprocess.run(
                    [kubectl, "kustomize", str(tree / directory)], capture_output=True, text=True
                )
                assert result.returncode == 0, f"{directory} at {commit[:10]}: {result.stderr}"
                assert "kind:" in result.stdout
                rendered.add(directory)
        finally:
            git(repo, "worktree", "remove", "--force", str(tree))
    touched = {
        "workloads/network-policies/dev",
        "workloads/domains/auth/dev",
        "workloads/domains/auth/prod",
        "workloads/domains/auth-relay/dev",
        "workloads/domains/auth-relay/prod",
    }
    assert touched <= rendered


def test_nothing_but_auth_changes(handed_over) -> None:
    repo, base = handed_over

    changed = git(repo, "diff", "--name-only", base, cli.BRANCH).split()
    foreign = [
        p
        for p in changed
        if not p.startswith((*OURS, V1_ROUTE)) and p not in bases.EDITED + bases.CREATED
    ]

    assert foreign == []
    for path in (
        "pyproject.toml",
        ".gitignore",
        ".github/workflows/ci-workers.yml",
        "apps/users/main.py",
        "apps/auth_worker/Dockerfile",
        "workloads/domains/users/dev/kustomization.yaml",
        "workloads/domains/auth-worker/base/deployment.yaml",
        "workloads/routing/users/base/virtual-service.yaml",
        "workloads/network-policies/base/allow-database-access.yaml",
    ):
        assert _show(repo, base, path) == _show(repo, cli.BRANCH, path), path


def test_shared_files_change_only_in_lines_about_auth(handed_over) -> None:
    repo, base = handed_over
    allowed_added = {
        "  syncPolicy:",
        "    preserveResourcesOnDeletion: true",
        "- allow-auth-sentinel-and-users-http.yaml",
        '          API_SERVICES = ["users", "character", "location", "scan", "images", "chat"]',
        *steps.REDIS_PATCH.splitlines(),
    }

    for path in bases.EDITED:
        if path in (bases.CI_AUTH_RELAY, bases.CI_EXT_AUTHZ):
            continue
        diff = git(repo, "diff", "-U0", base, cli.BRANCH, "--", path).splitlines()
        removed = [line[1:] for line in diff if line.startswith("-") and not line.startswith("---")]
        added = [line[1:] for line in diff if line.startswith("+") and not line.startswith("+++")]
        assert all("auth" in line or line.strip() == "phase: '1'" for line in removed), path
        assert set(added) <= allowed_added, path
    ext_authz = _show(repo, cli.BRANCH, bases.CI_EXT_AUTHZ)
    assert "workloads/domains/auth" not in ext_authz
    assert _show(repo, base, bases.CI_EXT_AUTHZ).startswith(ext_authz)
    assert bases.CI_AUTH_RELAY not in git(repo, "ls-tree", "-r", "--name-only", cli.BRANCH)


def test_other_services_keep_their_elements_and_builds(handed_over) -> None:
    repo, base = handed_over

    def others(rev: str, path: str) -> list[dict]:
        generator = yaml.safe_load(_show(repo, rev, path))["spec"]["generators"][0]
        return [e for e in generator["list"]["elements"] if not e["name"].startswith("auth")]

    for path in (bases.DEV_APIS, bases.DEV_WORKERS, bases.DEV_ROUTES, bases.PROD_APIS):
        assert others(base, path) == others(cli.BRANCH, path), path
        before = yaml.safe_load(_show(repo, base, path))["spec"]["template"]
        assert before == yaml.safe_load(_show(repo, cli.BRANCH, path))["spec"]["template"], path
    services = yaml.safe_load(_show(repo, cli.BRANCH, bases.CI_SERVICES))
    for event in ("push", "pull_request"):
        assert services[True][event]["paths"] == ["apps/users/**", "workloads/domains/users/**"]


def test_revert_of_the_range_restores_the_tree(handed_over, tmp_path: Path) -> None:
    repo, base = handed_over
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--branch", cli.BRANCH, str(repo), str(clone)], check=True
    )
    git(clone, "config", "user.name", "Operator")
    git(clone, "config", "user.email", "operator@example.invalid")

    git(clone, "revert", "--no-edit", f"{base}..HEAD")

    assert git(clone, "diff", "--name-only", base, "HEAD") == ""
    assert len(git(clone, "rev-list", f"{base}..HEAD").split()) == 2 * len(STEPS)


def test_images_build_from_the_project_under_apps_auth(handed_over, tmp_path: Path) -> None:
    repo, _ = handed_over
    tree = tmp_path / "tree"
    git(repo, "worktree", "add", "--quiet", "--detach", str(tree), cli.BRANCH)
    try:
        assert not (tree / "apps/__init__.py").exists()
        for service in ("auth", "auth_relay"):
            dockerfile = (tree / f"apps/{service}/Dockerfile").read_text()
            copies = [
                line.split()[1:-1]
                for line in dockerfile.splitlines()
                if line.startswith("COPY ") and "--from" not in line
            ]
            sources = [s for sources in copies for s in sources]
            assert "apps/auth/pyproject.toml" in sources and "apps/auth/uv.lock" in sources
            assert all((tree / s).exists() for s in sources), sources
            ignore = (tree / f"apps/{service}/Dockerfile.dockerignore").read_text().splitlines()
            assert ignore[ignore.index("*") + 1 : ignore.index("*") + 3] == [
                "!apps/auth/",
                "!apps/auth_relay/",
            ]
        project = (tree / "apps/auth/pyproject.toml").read_text()
        assert project == git(ROOT, "show", "HEAD:pyproject.toml")
        assert "project" not in tomllib.loads((tree / "pyproject.toml").read_text())
        # `apps` is a namespace package there: the image's entry points import all the same.
        env = {**os.environ, "PYTHONPATH": str(tree)}
        for module in ("apps.auth.setup.serve", "apps.auth_relay.setup.main"):
            result = subprocess.run(
                [sys.executable, "-c", f"import {module}, apps; print(apps.__path__)"],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, result.stderr
            assert str(tree / "apps") in result.stdout
    finally:
        git(repo, "worktree", "remove", "--force", str(tree))


def test_our_workflow_passes_actionlint_and_the_workflow_schema(handed_over) -> None:
    repo, _ = handed_over
    workflow = _show(repo, cli.BRANCH, bases.OUR_WORKFLOW)
    path = ROOT / "tools/handover/files/ci-auth-v2.yml"
    assert workflow == path.read_text()
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not on PATH: run scripts/ci-tools.sh"

    lint = subprocess.run(
        [str(BIN / "actionlint"), f"-shellcheck={shellcheck}", str(path)],
        capture_output=True,
        text=True,
    )
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
    )

    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert schema.returncode == 0, schema.stdout + schema.stderr
    parsed = yaml.safe_load(workflow)
    images = {i["image"] for i in parsed["jobs"]["images"]["strategy"]["matrix"]["include"]}
    assert images == {"auth-api", "auth-relay"}


def test_application_sets_take_the_platform_waves(handed_over) -> None:
    repo, _ = handed_over
    for path, name, wave in (
        (bases.DEV_AUTH_APPSET, "dev-auth", "40"),
        (bases.PROD_AUTH_APPSET, "prod-auth", "60"),
    ):
        appset = yaml.safe_load(_show(repo, cli.BRANCH, path))
        assert appset["metadata"]["name"] == name
        assert appset["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == wave
        assert appset["spec"]["syncPolicy"]["preserveResourcesOnDeletion"] is True


def _run_cli(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.handover", str(repo)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_a_dirty_checkout_is_refused_with_one_line(tmp_path: Path) -> None:
    repo = tmp_path / "backend"
    monorepo.build(repo)
    (repo / "apps/users/main.py").write_text("print('edited')\n")

    result = _run_cli(repo)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "has uncommitted changes" in result.stderr
    assert cli.BRANCH not in git(repo, "branch", "--list")


def test_an_unknown_base_is_refused_with_one_line_naming_what_differs(tmp_path: Path) -> None:
    repo = tmp_path / "backend"
    monorepo.build(repo)

    result = _run_cli(repo)  # the miniature is not eco2-team/backend@4c3eebb3

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "not a base this handover knows" in result.stderr
    assert "eco2-team/backend@4c3eebb3" in result.stderr
    assert cli.BRANCH not in git(repo, "branch", "--list")


def test_a_known_base_with_one_platform_file_changed_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "backend"
    monorepo.build(repo)
    known = {"miniature": bases.fingerprint(repo)}
    routes = repo / bases.DEV_ROUTES
    routes.write_text(routes.read_text().replace("gateway", "edge"))
    git(repo, "commit", "--quiet", "--all", "-m", "platform moves on")

    with pytest.raises(HandoverError, match=bases.DEV_ROUTES):
        cli.handover(repo, known=known)
    assert cli.BRANCH not in git(repo, "branch", "--list")


def test_a_step_that_cannot_apply_leaves_no_branch_behind(tmp_path: Path) -> None:
    repo = tmp_path / "backend"
    monorepo.build(repo)
    services = repo / bases.CI_SERVICES
    services.write_text(services.read_text().replace('"auth",      # apps/auth', '"auth",'))
    git(repo, "commit", "--quiet", "--all", "-m", "platform reformats")
    known = {"miniature": bases.fingerprint(repo)}

    with pytest.raises(HandoverError, match="apps/auth"):
        cli.handover(repo, known=known)
    assert cli.BRANCH not in git(repo, "branch", "--list")
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git(repo, "status", "--porcelain") == ""


def test_the_checklist_and_the_commits_are_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "backend"
    monorepo.build(repo)

    assert cli.main([str(repo)], known={"miniature": bases.fingerprint(repo)}) == 0

    out = capsys.readouterr().out
    for step in STEPS:
        assert step.subject in out
    for item in cli.CHECKLIST:
        assert f"[ ] {item}" in out
    for words in ("SSM", "Image Updater", "redirect URIs", "Node capacity"):
        assert words in out


def test_the_known_base_names_every_file_the_steps_edit_or_create() -> None:
    base = bases.ECO2_4C3EEBB3

    assert set(base) == set(bases.WATCHED)
    assert all(base[path] is None for path in bases.CREATED)
    assert all(len(base[path] or "") == 64 for path in bases.EDITED)


def test_our_trees_arrive_whole_and_unchanged_but_the_dockerfiles(handed_over) -> None:
    repo, _ = handed_over
    added = {
        f"apps/auth/{name}"
        for name in (
            "pyproject.toml",
            "uv.lock",
            "ci-tools.sh",
            "pip-audit.sh",
            ".pip-audit-exceptions.toml",
            "Dockerfile.dockerignore",
        )
    } | {"apps/auth_relay/Dockerfile.dockerignore"}
    transformed = {"apps/auth/Dockerfile", "apps/auth_relay/Dockerfile"}

    for directory in OURS:

        def blobs(root: Path, rev: str, directory: str = directory) -> dict[str, str]:
            rows = git(root, "ls-tree", "-r", rev, directory).splitlines()
            return {row.split("\t")[1]: row.split()[2] for row in rows}

        ours = blobs(ROOT, "HEAD")
        theirs = blobs(repo, cli.BRANCH)
        assert set(theirs) - set(ours) == added & set(theirs)
        assert set(ours) == set(theirs) - added
        changed = {path for path in ours if ours[path] != theirs[path]}
        assert changed == transformed & set(ours), directory


def test_the_wave_is_added_kept_or_refused_when_it_differs() -> None:
    bare = "apiVersion: v1\nkind: ApplicationSet\nmetadata:\n  name: dev-auth\nspec: {}\n"
    waved = steps._with_wave(bare, "40", "x")
    assert yaml.safe_load(waved)["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "40"
    }
    assert steps._with_wave(waved, "40", "x") == waved
    with pytest.raises(HandoverError, match="sync-wave '40', the platform's is '60'"):
        steps._with_wave(waved, "60", "x")


def test_production_auth_redis_refuses_writes_no_replica_follows_and_dev_is_left_alone(
    handed_over, tmp_path: Path
) -> None:
    repo, _ = handed_over
    kubectl = shutil.which("kubectl")
    assert kubectl
    tree = tmp_path / "head"
    git(repo, "worktree", "add", "--quiet", "--detach", str(tree), cli.BRANCH)

    def config(env: str, name: str) -> list[str]:
        rendered = subprocess.run(
            [kubectl, "kustomize", str(tree / "workloads" / "redis" / env)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found = [d for d in yaml.safe_load_all(rendered) if d["metadata"]["name"] == name]
        return list(found[0]["spec"]["redis"]["customConfig"])

    try:
        assert config("prod", "auth-redis") == [
            "maxmemory-policy noeviction",
            "min-replicas-to-write 1",
            "min-replicas-max-lag 10",
        ]
        assert config("dev", "auth-redis") == ["maxmemory-policy noeviction"]
        assert config("prod", "cache-redis") == ["maxmemory-policy allkeys-lru", 'save ""']
    finally:
        git(repo, "worktree", "remove", "--force", str(tree))


def test_redis_settings_refuses_an_overlay_that_already_sets_them(tmp_path: Path) -> None:
    target = tmp_path / "backend"
    (target / "workloads/redis/prod").mkdir(parents=True)
    (target / bases.REDIS_PROD).write_text(
        monorepo.REDIS_PROD.replace("- ../base\n", "- ../base\n# min-replicas-to-write 2\n")
    )
    with pytest.raises(HandoverError, match="already sets"):
        steps.redis_settings(steps.Context(target=target, source=ROOT))
