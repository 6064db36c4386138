import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci.docker_context import DockerIgnore, Stage, exec_form, key_values, parse

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOCKERFILES = ["apps/auth/Dockerfile", "apps/auth_relay/Dockerfile"]
VERSION_ENV = {"apps/auth/Dockerfile": "AUTH_VERSION", "apps/auth_relay/Dockerfile": "APP_VERSION"}
IGNORE = DockerIgnore((ROOT / ".dockerignore").read_text())


def _stages(dockerfile: str) -> list[Stage]:
    return parse(ROOT / dockerfile)


def _final(dockerfile: str) -> Stage:
    return _stages(dockerfile)[-1]


def _builder(dockerfile: str) -> Stage:
    return next(stage for stage in _stages(dockerfile) if stage.name == "builder")


def _context_files(relative: str) -> list[str]:
    start = ROOT / relative
    files = [start] if start.is_file() else [p for p in start.rglob("*") if p.is_file()]
    return [p.relative_to(ROOT).as_posix() for p in files]


def _install_command(dockerfile: str) -> list[str]:
    runs = [run.args for run in _builder(dockerfile).all("RUN") if "uv sync" in run.args]
    assert len(runs) == 1, "the builder installs dependencies in exactly one `uv sync` step"
    return shlex.split(runs[0])


def _entrypoint_module(dockerfile: str) -> str:
    argv = exec_form(_final(dockerfile).all("CMD")[-1])
    if argv[0] == "uvicorn":
        return argv[1].partition(":")[0]
    assert argv[:2] == ["python", "-m"], f"unrecognised entrypoint {argv}"
    return argv[2]


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_dockerfile_passes_hadolint_at_warning_threshold(dockerfile: str) -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--failure-threshold", "warning", dockerfile],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_copy_source_exists_and_reaches_the_build_context(dockerfile: str) -> None:
    for stage in _stages(dockerfile):
        for copy in stage.all("COPY"):
            if "from" in copy.flags:
                continue
            *sources, _ = shlex.split(copy.args)
            for source in sources:
                assert (ROOT / source).exists(), f"{dockerfile}: COPY {source} does not exist"
                sent = [f for f in _context_files(source) if not IGNORE.excluded(f)]
                assert sent, f"{dockerfile}: .dockerignore drops all of {source}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_final_stage_runs_as_numeric_non_root_user_on_the_builder_base(dockerfile: str) -> None:
    stages = _stages(dockerfile)
    final, builder = stages[-1], _builder(dockerfile)

    user = final.all("USER")[-1].args
    assert re.fullmatch(r"[1-9][0-9]*:[0-9]+", user), user
    assert final.base == builder.base
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", final.base), final.base


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_final_stage_has_no_build_tools_and_only_the_built_virtualenv(dockerfile: str) -> None:
    final = _final(dockerfile)

    assert final.all("RUN") == []
    from_copies = [copy for copy in final.all("COPY") if "from" in copy.flags]
    assert [(c.flags["from"], c.args) for c in from_copies] == [("builder", "/opt/venv /opt/venv")]


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_dependencies_come_from_the_lock_without_dev_group(dockerfile: str) -> None:
    command = _install_command(dockerfile)

    assert command[:2] == ["uv", "sync"]
    assert {"--frozen", "--no-dev"} <= set(command)


def test_builders_pin_one_exact_uv_release() -> None:
    bases = {_stages(dockerfile)[0].base for dockerfile in DOCKERFILES}

    assert len(bases) == 1
    assert re.fullmatch(r"ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", bases.pop())


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_git_sha_and_version_are_baked_as_labels_and_env(dockerfile: str) -> None:
    final = _final(dockerfile)
    labels = key_values(final.all("LABEL"))
    env = key_values(final.all("ENV"))

    assert labels["org.opencontainers.image.revision"] == "${GIT_SHA}"
    assert labels["org.opencontainers.image.version"] == "${VERSION}"
    assert env["GIT_SHA"] == "${GIT_SHA}"
    assert env[VERSION_ENV[dockerfile]] == "${VERSION}"
    assert env["PYTHONPATH"] == "/app"
    assert final.all("WORKDIR")[-1].args == "/app"


def test_auth_image_reports_its_track_through_release_type() -> None:
    env = key_values(_final("apps/auth/Dockerfile").all("ENV"))

    assert env["RELEASE_TYPE"] == "${RELEASE_TYPE}"


def test_dockerignore_keeps_tests_caches_and_local_state_out_of_images() -> None:
    test_files = [f for f in _context_files("apps") if "/tests/" in f]

    assert test_files, "expected test files under apps/*/tests to check against"
    assert all(IGNORE.excluded(f) for f in test_files)
    for path in [".venv/bin/python", ".git/HEAD", "apps/auth/__pycache__/x.pyc", "README.md"]:
        assert IGNORE.excluded(path), path
    for path in ["pyproject.toml", "uv.lock", "apps/__init__.py", "apps/auth/setup/settings.py"]:
        assert not IGNORE.excluded(path), path


def _assemble_app(dockerfile: str, target: Path) -> Path:
    """The final stage's WORKDIR as the image would hold it: its COPY lines minus .dockerignore."""
    app = target / _final(dockerfile).all("WORKDIR")[-1].args.lstrip("/")
    for copy in _final(dockerfile).all("COPY"):
        if "from" in copy.flags:
            continue
        *sources, destination = shlex.split(copy.args)
        for source in sources:
            for file in _context_files(source):
                if IGNORE.excluded(file):
                    continue
                inside = Path(file).relative_to(source) if (ROOT / source).is_dir() else None
                dest = app / destination / inside if inside else app / destination
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(ROOT / file, dest)
    return app


@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_image_holds_the_service_code_but_no_tests(dockerfile: str, tmp_path: Path) -> None:
    app = _assemble_app(dockerfile, tmp_path)
    service = Path(dockerfile).parent

    assert (app / service / "setup" / "main.py").is_file()
    assert not list(app.rglob("tests"))
    assert not list(app.rglob("__pycache__"))


def test_auth_image_carries_what_the_migration_job_runs(tmp_path: Path) -> None:
    app = _assemble_app("apps/auth/Dockerfile", tmp_path)

    assert (app / "apps/auth/alembic.ini").is_file()
    assert (app / "apps/auth/migrations/env.py").is_file()


@pytest.fixture(scope="session")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's virtualenv, built by the Dockerfile's own install step from the same files."""
    dockerfile = DOCKERFILES[0]
    assert len({tuple(_install_command(d)) for d in DOCKERFILES}) == 1
    workdir = tmp_path_factory.mktemp("image-build")
    for copy in _builder(dockerfile).all("COPY"):
        if "from" not in copy.flags:
            for source in shlex.split(copy.args)[:-1]:
                shutil.copy(ROOT / source, workdir / source)
    env = {**os.environ, **key_values(_builder(dockerfile).all("ENV"))}
    env["UV_PROJECT_ENVIRONMENT"] = str(workdir / "venv")
    command = [str(BIN / "uv"), *_install_command(dockerfile)[1:]]
    result = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return workdir / "venv"


def test_runtime_virtualenv_has_no_dev_dependencies(runtime_venv: Path) -> None:
    probe = (
        "import importlib.util, sys; sys.exit(importlib.util.find_spec(sys.argv[1]) is not None)"
    )
    for dev_only in ["pytest", "hypothesis", "ruff", "mypy"]:
        result = subprocess.run([str(runtime_venv / "bin" / "python"), "-c", probe, dev_only])
        assert result.returncode == 0, f"{dev_only} is installed in the image"


def _job_modules() -> list[tuple[str, str]]:
    """(Dockerfile, module) for every `python -m` command a Job of the manifests runs."""
    from tests.delivery.manifests import API_OVERLAYS, containers, render

    modules = set()
    for overlay in API_OVERLAYS:
        for job in (doc for doc in render(overlay) if doc["kind"] == "Job"):
            for container in containers(job):
                assert container["command"][:2] == ["python", "-m"], container["command"]
                modules.add(("apps/auth/Dockerfile", container["command"][2]))
    return sorted(modules)


@pytest.mark.parametrize(
    ("dockerfile", "module"),
    [(d, None) for d in DOCKERFILES] + _job_modules(),
)
def test_entrypoint_module_imports_from_the_image_contents(
    dockerfile: str, module: str | None, runtime_venv: Path, tmp_path: Path
) -> None:
    module = module or _entrypoint_module(dockerfile)
    app = _assemble_app(dockerfile, tmp_path)
    env = {
        "PATH": f"{runtime_venv / 'bin'}:{os.environ['PATH']}",
        "PYTHONPATH": str(app),
        "HOME": os.environ.get("HOME", "/tmp"),
        "GIT_SHA": "0" * 40,
    }
    probe = "import importlib, sys; importlib.import_module(sys.argv[1])"

    result = subprocess.run(
        [str(runtime_venv / "bin" / "python"), "-c", probe, module],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, f"import {module} failed:\n{result.stderr[-3000:]}"
