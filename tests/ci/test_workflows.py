import os
import re
import subprocess
import sys
from pathlib import Path

import detect_services
import image_tags
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ["ci-services.yml", "ci-checks.yml", "ci-canary.yml", "ci-auth-relay.yml"]
CHECKS = "./.github/workflows/ci-checks.yml"
# The first major of each action whose action.yml runs on Node 24.
NODE24_MAJORS = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/cache": 5,
    "docker/setup-buildx-action": 4,
    "docker/login-action": 4,
    "docker/build-push-action": 7,
}
BIN = Path(sys.executable).parent
SHA = "0123456789abcdef0123456789abcdef01234567"


def _load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the bare key `on` as a boolean
    return workflow


def _steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def _step(workflow: dict, job_id: str, step_id: str) -> dict:
    return next(s for j, s in _steps(workflow) if j == job_id and s.get("id") == step_id)


def _build_step(job: dict) -> dict:
    return next(s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action"))


@pytest.mark.parametrize("name", NAMES)
def test_workflow_passes_actionlint_with_shellcheck(name: str, shellcheck: str) -> None:
    result = subprocess.run(
        [str(BIN / "actionlint"), f"-shellcheck={shellcheck}", str(WORKFLOWS / name)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_shellcheck_findings(tmp_path: Path, shellcheck: str) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo $UNQUOTED\n"
    )

    result = subprocess.run(
        [str(BIN / "actionlint"), f"-shellcheck={shellcheck}", str(broken)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )

    assert result.returncode == 1
    assert "SC2086" in result.stdout


def test_workflows_match_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
        + [str(WORKFLOWS / name) for name in NAMES],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_workflow_grants_only_read_access_to_contents(name: str) -> None:
    workflow = _load(name)

    assert workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())


@pytest.mark.parametrize("name", NAMES)
def test_no_expression_is_interpolated_into_shell(name: str) -> None:
    for job_id, step in _steps(_load(name)):
        assert "${{" not in step.get("run", ""), f"{name}:{job_id}: pass values through env"


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_to_commits_and_checkouts_keep_no_token(name: str) -> None:
    for job_id, step in _steps(_load(name)):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        if step.get("uses", "").startswith("actions/checkout"):
            assert step["with"]["persist-credentials"] is False, job_id


def test_services_runs_for_both_layouts_on_develop_main_and_prs() -> None:
    on = _load("ci-services.yml")["on"]

    for event in ("push", "pull_request"):
        assert on[event]["branches"] == ["develop", "main"]
        paths = on[event]["paths"]
        assert {"apps/**", "domains/**", "pyproject.toml", "uv.lock", ".github/**"} <= set(paths)
        assert paths.index("!apps/auth_relay/**") > paths.index("apps/**")


def test_services_concurrency_is_per_ref_and_never_drops_a_push_build() -> None:
    workflow = _load("ci-services.yml")
    run_level = workflow["concurrency"]
    build_level = workflow["jobs"]["build"]["concurrency"]

    assert "github.ref" in run_level["group"] and "github.run_id" in run_level["group"]
    assert run_level["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert build_level == {
        "group": "ci-services-build-${{ github.ref }}-${{ matrix.service }}",
        "cancel-in-progress": False,
    }


def test_services_tests_every_changed_service_with_the_readme_command_and_real_servers() -> None:
    workflow = _load("ci-checks.yml")
    test = workflow["jobs"]["test"]

    assert test["strategy"]["matrix"] == "${{ fromJSON(needs.changes.outputs.matrix) }}"
    assert test["if"] == "needs.changes.outputs.any == 'true'"
    assert {name: s["image"] for name, s in test["services"].items()} == {
        "postgres": "postgres:16",
        "redis": "redis:7",
        "rabbitmq": "rabbitmq:3-management",
    }
    assert test["services"]["postgres"]["env"] == {"POSTGRES_HOST_AUTH_METHOD": "trust"}
    assert test["env"]["SERVICE_PYTHONPATH"] == "${{ github.workspace }}/${{ matrix.pythonpath }}"
    runs = [step.get("run", "") for step in test["steps"]]
    assert "./scripts/ci-tools.sh" in runs
    assert any(run.startswith("make test ") and "$SERVICE_PYTHONPATH" in run for run in runs)
    lint_runs = [step.get("run") for step in workflow["jobs"]["lint"]["steps"]]
    assert any(run and run.startswith("make lint") for run in lint_runs)
    assert "./scripts/pip-audit.sh" in lint_runs


def test_services_pushes_only_from_develop_or_main_after_every_check() -> None:
    build = _load("ci-services.yml")["jobs"]["build"]
    step = _build_step(build)

    assert build["needs"] == "checks"
    assert _load("ci-services.yml")["jobs"]["checks"] == {"name": "Checks", "uses": CHECKS}
    assert "needs.checks.outputs.build_any == 'true'" in build["if"]
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.checks.outputs.build_matrix) }}"
    assert "github.event_name != 'pull_request'" in build["if"]
    assert "refs/heads/develop" in build["if"] and "refs/heads/main" in build["if"]
    assert step["with"]["push"] is True
    assert step["with"]["tags"] == "${{ steps.tags.outputs.tags }}"
    assert step["with"]["file"] == "${{ matrix.dockerfile }}"
    assert step["with"]["provenance"] == "mode=max"
    assert step["with"]["cache-to"] == "type=gha,mode=max,scope=${{ matrix.service }}"
    assert "GIT_SHA=${{ github.sha }}" in step["with"]["build-args"]


def test_canary_triggers_on_label_push_and_reopen_of_prs_into_develop_or_main_only() -> None:
    assert _load("ci-canary.yml")["on"] == {
        "pull_request": {
            "branches": ["develop", "main"],
            "types": ["labeled", "synchronize", "reopened"],
        }
    }


def test_checks_are_one_reusable_workflow_that_both_publishers_call() -> None:
    checks = _load("ci-checks.yml")
    canary = _load("ci-canary.yml")

    assert set(checks["on"]) == {"workflow_call"}
    assert set(checks["on"]["workflow_call"]["outputs"]) == {
        "matrix",
        "any",
        "build_matrix",
        "build_any",
    }
    assert {"changes", "lint", "test", "repo-tests"} <= set(checks["jobs"])
    assert canary["jobs"]["checks"]["uses"] == CHECKS
    assert canary["jobs"]["checks"]["needs"] == "gate"
    assert set(canary["jobs"]["build"]["needs"]) == {"gate", "checks"}
    assert "needs.checks.outputs.build_any == 'true'" in canary["jobs"]["build"]["if"]
    for name in ("ci-canary.yml", "ci-services.yml"):
        runs = [step.get("run", "") for _, step in _steps(_load(name))]
        assert not [run for run in runs if "make test" in run or "make lint" in run], name


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_on_its_node24_major_with_the_version_beside_the_pin(name: str) -> None:
    for line in (WORKFLOWS / name).read_text().splitlines():
        found = re.search(r"uses: ([\w.-]+/[\w.-]+)@[0-9a-f]{40} # v(\d+)", line)
        if "uses:" in line and "./.github/" not in line:
            assert found, line
            action, major = found.group(1), int(found.group(2))
            assert major >= NODE24_MAJORS[action], line


def test_canary_build_needs_the_gate_and_never_runs_for_forks() -> None:
    workflow = _load("ci-canary.yml")
    build = workflow["jobs"]["build"]
    env = _step(workflow, "gate", "labels")["env"]

    assert workflow["jobs"]["gate"]["outputs"] == {
        "is_canary": "${{ steps.labels.outputs.is_canary }}"
    }
    assert env["HAS_CANARY_LABEL"] == (
        "${{ contains(github.event.pull_request.labels.*.name, 'canary') }}"
    )
    assert "needs.gate.outputs.is_canary == 'true'" in build["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in build["if"]
    with_ = _build_step(build)["with"]
    assert "RELEASE_TYPE=canary" in with_["build-args"]
    assert "--track canary" in _step(workflow, "build", "tags")["run"]
    assert '--base "$BASE_REF"' in _step(workflow, "build", "tags")["run"]


GATE_CASES = [
    ({"ACTION": "labeled", "ADDED_CANARY_LABEL": "true", "HAS_CANARY_LABEL": "true"}, "true"),
    ({"ACTION": "synchronize", "ADDED_CANARY_LABEL": "false", "HAS_CANARY_LABEL": "true"}, "true"),
    ({"ACTION": "reopened", "ADDED_CANARY_LABEL": "false", "HAS_CANARY_LABEL": "true"}, "true"),
    ({"ACTION": "labeled", "ADDED_CANARY_LABEL": "false", "HAS_CANARY_LABEL": "true"}, "false"),
    (
        {"ACTION": "synchronize", "ADDED_CANARY_LABEL": "false", "HAS_CANARY_LABEL": "false"},
        "false",
    ),
    (
        {
            "ACTION": "labeled",
            "ADDED_CANARY_LABEL": "true",
            "HAS_CANARY_LABEL": "true",
            "FROM_FORK": "true",
        },
        "false",
    ),
]


@pytest.mark.parametrize(("env", "expected"), GATE_CASES)
def test_canary_gate_outputs_is_canary(env: dict, expected: str, tmp_path: Path) -> None:
    script = _step(_load("ci-canary.yml"), "gate", "labels")["run"]
    output = tmp_path / "github_output"
    full_env = {"PATH": os.environ["PATH"], "FROM_FORK": "false", **env}

    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env={**full_env, "GITHUB_OUTPUT": str(output)},
        check=True,
        capture_output=True,
    )

    assert output.read_text() == f"is_canary={expected}\n"


def test_relay_workflow_tests_and_publishes_auth_relay() -> None:
    workflow = _load("ci-auth-relay.yml")
    build = workflow["jobs"]["build"]

    for event in ("push", "pull_request"):
        assert "apps/auth_relay/**" in workflow["on"][event]["paths"]
    runs = [step.get("run", "") for step in workflow["jobs"]["test"]["steps"]]
    assert "make test PYTEST_ARGS=apps/auth_relay" in runs
    assert "--image auth-relay" in _step(workflow, "build", "tags")["run"]
    assert _build_step(build)["with"]["file"] == "apps/auth_relay/Dockerfile"
    assert "github.event_name != 'pull_request'" in build["if"]


def test_develop_push_of_auth_publishes_auth_api_dev_latest() -> None:
    services = detect_services.discover(ROOT)
    selected = detect_services.affected(["apps/auth/setup/main.py"], services)
    entry = detect_services.matrix(services, selected)["include"][0]

    tags = image_tags.tags(
        image=entry["image"], ref="refs/heads/develop", sha=SHA, version=entry["version"]
    )
    canary = image_tags.tags(
        image=entry["image"], ref="refs/pull/1/merge", sha=SHA, version="2.0.0", track="canary"
    )

    assert tags == [
        "docker.io/mng990/eco2:auth-api-dev-latest",
        "docker.io/mng990/eco2:auth-api-dev-0123456",
    ]
    assert canary == [
        "docker.io/mng990/eco2:auth-api-dev-canary",
        "docker.io/mng990/eco2:auth-api-dev-canary-0123456",
    ]


def test_ci_tools_script_passes_shellcheck(shellcheck: str) -> None:
    result = subprocess.run(
        [shellcheck, str(ROOT / "scripts" / "ci-tools.sh")], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout
