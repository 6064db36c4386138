from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
# The Python project: this repository's root, or apps/auth where the repository root keeps
# another project's pyproject.toml (eco2-team/backend).
PROJECT = next(
    path
    for path in (ROOT / "pyproject.toml", ROOT / "apps" / "auth" / "pyproject.toml")
    if path.is_file() and "[tool.importlinter]" in path.read_text()
)


def test_layer_contracts_kept_when_import_linter_runs():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--config", PROJECT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    assert "auth: layers KEPT" in result.stdout
    assert "auth: application features are independent KEPT" in result.stdout


def test_init_files_stay_empty():
    offenders = [
        str(path.relative_to(ROOT))
        for base in ("apps/auth", "apps/auth_relay")
        for path in (ROOT / base).rglob("__init__.py")
        if path.read_text().strip()
    ]
    assert offenders == []
