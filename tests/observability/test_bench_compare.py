"""`make bench-compare`: another commit checked out beside this one, started the way it was
started then, and the two versions' figures side by side (constructed figures, no bench run)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.compare import Comparison, table, worktree
from benchmarks.servers import BARE_TARGET, ROOT, server_command


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_other_commit_is_checked_out_beside_this_one_and_removed_afterwards():
    head = _git("rev-parse", "HEAD")

    with worktree("HEAD") as checkout:
        assert checkout != ROOT
        assert (checkout / "apps/auth/setup/main.py").is_file()
        assert _git("-C", str(checkout), "rev-parse", "HEAD") == head
        assert str(checkout) in _git("worktree", "list")

    assert not checkout.exists()
    assert str(checkout) not in _git("worktree", "list")


def test_a_commit_with_the_entry_point_is_served_by_it_and_an_older_one_by_plain_uvicorn(
    tmp_path: Path,
):
    app = "apps.auth.setup.main:app"

    current = server_command(app, 8123, ROOT)
    older = server_command(app, 8123, tmp_path)

    assert current[:3] == [sys.executable, "-m", "apps.auth.setup.serve"]
    assert older[:4] == [sys.executable, "-m", "uvicorn", app]
    assert "--port" in older and "8123" in older
    assert server_command(BARE_TARGET, 8123, ROOT)[:3] == [sys.executable, "-m", "uvicorn"]


def test_each_endpoint_gets_one_row_with_both_versions_and_their_ratio():
    rows = [
        Comparison("`GET /verify`", 8000.0, 7600.0, 7200.0, 0.130, 0.140, 0),
        Comparison("`POST /refresh`", 8000.0, 1000.0, 1100.0, 0.900, 0.820, 3),
    ]

    lines = table("aaaaaaaaaaaa", "bbbbbbbbbbbb + uncommitted changes", rows)

    assert lines[:3] == [
        "- ref: `aaaaaaaaaaaa`",
        "- this: `bbbbbbbbbbbb + uncommitted changes`",
        "",
    ]
    header, separator, verify, refresh = (
        [c.strip() for c in line.strip("|").split("|")] for line in lines[3:]
    )
    assert len(header) == len(separator) == len(verify) == len(refresh) == 10
    assert all(re.fullmatch(r"-{3,}:?", cell) for cell in separator)
    assert verify == [
        "`GET /verify`",
        "8000",
        "7600",
        "7200",
        "0.95",
        "0.90",
        "0.130",
        "0.140",
        "0.95",
        "0",
    ]
    assert refresh[-2:] == ["1.10", "3"]
