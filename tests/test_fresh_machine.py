"""A fresh machine: missing tools and files stop the suite with one message saying what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import conftest

ROOT = Path(__file__).resolve().parents[1]


def test_schema_folder_missing_gives_one_failure_naming_the_folder_when_variable_is_wrong(
    tmp_path,
):
    missing = tmp_path / "no-such" / "k8s-schemas"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/delivery/test_schemas.py",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        # Without CI in the environment pytest shortens its summary line, so the message is
        # printed once, as a person running the suite sees it.
        env={k: v for k, v in os.environ.items() if k != "CI"}
        | {"ECO2_K8S_SCHEMAS": str(missing), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 1, result.stdout[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("1 failed") and "deselected" in summary, summary
    assert result.stdout.count(f"custom-resource schemas not found at {missing}") == 1
    assert "tests/delivery/schemas/" in result.stdout and "ECO2_K8S_SCHEMAS" in result.stdout


def test_suite_stops_at_start_with_install_hint_when_kubectl_is_missing(monkeypatch):
    monkeypatch.setattr(conftest.shutil, "which", lambda name: None)

    class Collector:
        path = ROOT / "tests" / "delivery"

    with pytest.raises(pytest.exit.Exception) as stopped:
        conftest.pytest_collectstart(Collector())  # type: ignore[arg-type]

    assert "kubectl is not on PATH" in str(stopped.value) and "make install" in str(stopped.value)
    assert stopped.value.returncode == pytest.ExitCode.USAGE_ERROR


def test_kubectl_from_the_lock_file_is_found_when_venv_is_not_activated():
    venv_bin = Path(sys.executable).parent

    assert (venv_bin / "kubectl").exists()
    assert os.environ["PATH"].split(os.pathsep)[0] == str(venv_bin)
    version = subprocess.run(
        ["kubectl", "version", "--client"], capture_output=True, text=True, check=True
    )
    assert "Kustomize Version: v5" in version.stdout
