import json
import subprocess
from pathlib import Path

import detect_services as ds
import pytest

AUTH = {
    "service": "auth",
    "layout": "apps",
    "path": "apps/auth",
    "dockerfile": "apps/auth/Dockerfile",
    "pythonpath": ".",
    "image": "auth-api",
    "version": "2.0.0",
}
AUTHX = {**AUTH, "service": "authx", "path": "apps/authx", "dockerfile": "apps/authx/Dockerfile"}
AUTHX["image"] = "authx-api"
BILLING = {
    "service": "billing",
    "layout": "domains",
    "path": "domains/billing",
    "dockerfile": "domains/billing/Dockerfile",
    "pythonpath": "domains/billing",
    "image": "billing-api",
    "version": "1.4.0",
}
CHARACTER = {
    "service": "character",
    "layout": "domains",
    "path": "domains/character",
    "dockerfile": "domains/character/Dockerfile",
    "pythonpath": "domains/character",
    "image": "character-api",
    "version": "2.0.0",
}
EVERY = [AUTH, AUTHX, BILLING, CHARACTER]


def _write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """apps/ and domains/ with every shape the detector must tell apart."""
    _write(tmp_path, "pyproject.toml", '[project]\nname = "x"\nversion = "2.0.0"\n')
    _write(tmp_path, "uv.lock")
    _write(tmp_path, "apps/__init__.py")
    _write(tmp_path, "apps/auth.md", "a file that looks like a service")
    _write(tmp_path, "apps/auth/Dockerfile")
    _write(tmp_path, "apps/auth/setup/main.py")
    _write(tmp_path, "apps/authx/Dockerfile")
    _write(tmp_path, "apps/auth_relay/Dockerfile")
    _write(tmp_path, "apps/character/README.md", "migration started, no image yet")
    _write(tmp_path, "apps/notes/readme.txt", "no Dockerfile: not a service")
    _write(tmp_path, "domains/auth/Dockerfile", "legacy image, superseded by apps/auth")
    _write(tmp_path, "domains/billing/Dockerfile")
    _write(tmp_path, "domains/billing/pyproject.toml", '[project]\nname = "b"\nversion = "1.4.0"\n')
    _write(tmp_path, "domains/billing/app/core.py")
    _write(tmp_path, "domains/character/Dockerfile")
    _write(tmp_path, "domains/.cache/Dockerfile", "hidden directory: not a service")
    return tmp_path


def _matrix(tree: Path, paths: list[str]) -> list[dict[str, str]]:
    services = ds.discover(tree)
    return ds.matrix(services, ds.affected(paths, services))["include"]


def test_discovers_both_layouts_and_prefers_apps_dockerfile(tree: Path) -> None:
    services = ds.discover(tree)

    assert sorted(services) == ["auth", "authx", "billing", "character"]
    assert services["auth"].dockerfile == "apps/auth/Dockerfile"
    assert services["character"].layout == "domains"


def test_selects_apps_service_with_repo_root_pythonpath_when_its_code_changes(tree: Path) -> None:
    assert _matrix(tree, ["apps/auth/setup/main.py"]) == [AUTH]


def test_selects_legacy_service_with_its_own_pythonpath_when_its_code_changes(tree: Path) -> None:
    assert _matrix(tree, ["domains/billing/app/core.py"]) == [BILLING]


def test_selects_service_in_both_layouts_with_apps_dockerfile_when_legacy_half_changes(
    tree: Path,
) -> None:
    assert _matrix(tree, ["domains/auth/app/old_routes.py"]) == [AUTH]


def test_uses_legacy_dockerfile_when_apps_directory_has_none(tree: Path) -> None:
    assert _matrix(tree, ["apps/character/README.md"]) == [CHARACTER]


def test_selects_nothing_when_paths_only_look_like_services(tree: Path) -> None:
    paths = ["apps/auth.md", "apps/authentication/x.py", "domains/auth.txt", "apps", "xapps/auth/y"]

    assert _matrix(tree, paths) == []


def test_keeps_look_alike_service_apart_when_it_changes(tree: Path) -> None:
    assert _matrix(tree, ["apps/authx/main.py"]) == [AUTHX]


def test_excludes_relay_because_its_own_workflow_builds_it(tree: Path) -> None:
    assert _matrix(tree, ["apps/auth_relay/setup/main.py"]) == []
    assert "auth_relay" not in ds.discover(tree)


def test_ignores_directories_without_dockerfile_or_with_invalid_names(tree: Path) -> None:
    assert _matrix(tree, ["apps/notes/readme.txt", "domains/.cache/Dockerfile"]) == []


@pytest.mark.parametrize(
    "shared",
    [
        "pyproject.toml",
        "uv.lock",
        "./uv.lock",
        ".dockerignore",
        "Makefile",
        "scripts/ensure-services.sh",
        "scripts/ci-tools.sh",
        "apps/__init__.py",
        ".github/workflows/ci-services.yml",
        ".github/workflows/ci-canary.yml",
        ".github/workflows/ci-checks.yml",
        ".github/scripts/detect_services.py",
        ".github/scripts/image_tags.py",
        ".github/scripts/a_new_helper.py",
    ],
)
def test_selects_every_service_when_a_shared_file_changes(tree: Path, shared: str) -> None:
    assert _matrix(tree, ["README.md", shared]) == EVERY
    services = ds.discover(tree)
    assert ds.affected([shared], services, image=True) == set(services)


def test_every_shared_file_the_dockerfiles_copy_from_outside_a_service_is_shared() -> None:
    root = Path(__file__).resolve().parents[2]
    for dockerfile in ("apps/auth/Dockerfile", "apps/auth_relay/Dockerfile"):
        service = str(Path(dockerfile).parent)
        for line in (root / dockerfile).read_text().splitlines():
            if line.startswith("COPY ") and "--from" not in line:
                for source in line.split()[1:-1]:
                    assert source.startswith(service) or source in ds.SHARED_FILES, source


@pytest.mark.parametrize(
    "path",
    ["apps/auth/tests/unit/test_x.py", "apps/auth/README.md", "domains/billing/docs/notes.md"],
)
def test_tests_or_markdown_only_changes_select_tests_but_no_image(tree: Path, path: str) -> None:
    services = ds.discover(tree)
    service = path.split("/")[1]

    assert ds.affected([path], services) == {service}
    assert ds.affected([path], services, image=True) == set()
    assert ds.affected([path, f"{path.split('/')[0]}/{service}/x.py"], services, image=True) == {
        service
    }


def test_cli_writes_a_build_matrix_without_services_whose_tests_alone_changed(
    repo: Path, tmp_path: Path
) -> None:
    output = tmp_path / "github_output"
    output.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_OUTPUT", str(output))
        args = ["--root", str(repo), "apps/auth/tests/test_a.py", "domains/billing/app/core.py"]
        assert ds.main(args) == 0
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines())

    assert json.loads(lines["matrix"]) == {"include": [AUTH, BILLING]}
    assert json.loads(lines["build_matrix"]) == {"include": [BILLING]}
    assert lines["build_any"] == "true"


def test_selects_nothing_when_only_unrelated_files_change(tree: Path) -> None:
    paths = ["README.md", "workloads/domains/auth/base/deployment.yaml", "apps/pyproject.toml"]

    assert _matrix(tree, paths) == []


def test_selects_nothing_when_nothing_changed(tree: Path) -> None:
    assert _matrix(tree, []) == []


def test_reads_both_sides_of_renames_and_copies_from_name_status() -> None:
    output = "\0".join(
        [
            "M",
            "apps/auth/a.py",
            "R087",
            "domains/billing/app/core.py",
            "apps/authx/core.py",
            "C100",
            "apps/auth/b.py",
            "apps/auth/c.py",
            "D",
            "apps/auth/gone.py",
            "A",
            "file with spaces.md",
            "",
        ]
    )

    assert ds.parse_name_status(output) == [
        "apps/auth/a.py",
        "domains/billing/app/core.py",
        "apps/authx/core.py",
        "apps/auth/b.py",
        "apps/auth/c.py",
        "apps/auth/gone.py",
        "file with spaces.md",
    ]


def _git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.invalid", *args]
    return subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tree: Path) -> Path:
    _write(tree, "apps/auth/old.py", "\n".join(f"line {n}" for n in range(20)))
    _git(tree, "init", "-q", "-b", "develop")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-q", "-m", "base")
    return tree


def _run_cli(root: Path, tmp_path: Path, *args: str) -> tuple[dict, str]:
    output = tmp_path / "github_output"
    output.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GITHUB_OUTPUT", str(output))
        assert ds.main(["--root", str(root), *args]) == 0
    lines = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return json.loads(lines["matrix"]), lines["any"]


def test_selects_both_services_when_a_file_moves_between_them(repo: Path, tmp_path: Path) -> None:
    base = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "mv", "domains/billing/app/core.py", "apps/authx/core.py")
    _git(repo, "commit", "-q", "-m", "move")

    matrix, any_changed = _run_cli(repo, tmp_path, "--base", base, "--head", "HEAD")

    assert matrix == {"include": [AUTHX, BILLING]}
    assert any_changed == "true"


def test_selects_service_when_one_of_its_files_is_deleted(repo: Path, tmp_path: Path) -> None:
    base = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "rm", "-q", "apps/auth/old.py")
    _git(repo, "commit", "-q", "-m", "delete")

    matrix, _ = _run_cli(repo, tmp_path, "--base", base)

    assert matrix == {"include": [AUTH]}


def test_drops_service_whose_directory_was_deleted(repo: Path, tmp_path: Path) -> None:
    base = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "rm", "-r", "-q", "domains/billing")
    _git(repo, "commit", "-q", "-m", "retire billing")

    matrix, any_changed = _run_cli(repo, tmp_path, "--base", base)

    assert matrix == {"include": []}
    assert any_changed == "false"


def test_writes_empty_matrix_and_any_false_when_nothing_changed(repo: Path, tmp_path: Path) -> None:
    matrix, any_changed = _run_cli(repo, tmp_path, "--base", "HEAD", "--head", "HEAD")

    assert matrix == {"include": []}
    assert any_changed == "false"


@pytest.mark.parametrize("base", ["", "0" * 40, "1234567890abcdef1234567890abcdef12345678"])
def test_selects_every_service_when_the_base_commit_is_unknown(
    repo: Path, tmp_path: Path, base: str
) -> None:
    matrix, any_changed = _run_cli(repo, tmp_path, "--base", base)

    assert matrix == {"include": EVERY}
    assert any_changed == "true"


def test_selects_every_service_when_asked_for_all(repo: Path, tmp_path: Path) -> None:
    matrix, _ = _run_cli(repo, tmp_path, "--all")

    assert matrix == {"include": EVERY}


def test_real_tree_builds_auth_from_apps_and_leaves_relay_out() -> None:
    root = Path(__file__).resolve().parents[2]
    services = ds.discover(root)

    assert "auth_relay" not in services
    assert services["auth"].dockerfile == "apps/auth/Dockerfile"
    assert services["auth"].pythonpath == "."
    assert services["auth"].image == "auth-api"


def test_treats_option_shaped_base_as_unknown_instead_of_a_git_flag(
    repo: Path, tmp_path: Path
) -> None:
    leak = tmp_path / "leak"

    matrix, _ = _run_cli(repo, tmp_path, f"--base=--output={leak}")

    assert matrix == {"include": EVERY}
    assert not leak.exists()
