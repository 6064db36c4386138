"""Every way this repository starts the API goes through its entry point: the Makefile, the
Dockerfile, the benchmarks' servers and the tests (apps/auth/setup/serve.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.servers import server_command

ROOT = Path(__file__).resolve().parents[1]


def test_service_started_only_through_entry_point_when_start_commands_are_read() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "-m apps.auth.setup.serve --host $(HOST) --port $(PORT)" in run_recipe
    cmd = (ROOT / "apps/auth/Dockerfile").read_text().strip().splitlines()[-1]
    assert cmd.startswith('CMD ["python", "-m", "apps.auth.setup.serve"')
    for target in ["apps.auth.setup.main:app", "benchmarks.canary_faulty:app"]:
        assert server_command(target, 8000)[1:3] == ["-m", "apps.auth.setup.serve"], target
    direct = re.compile(r"uvicorn\W+apps\.auth")
    for path in [*ROOT.glob("benchmarks/*.py"), *ROOT.glob("apps/auth/tests/**/*.py")]:
        assert not direct.search(path.read_text()), f"{path} starts the API past the entry point"


def test_make_run_prints_the_url_it_listens_on_and_that_url_answers() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run_recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--announce" in run_recipe
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    env |= {"AUTH_ENVIRONMENT": "local", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "apps.auth.setup.serve", "--port", "0", "--announce"]
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) as served:
        try:
            assert served.stdout is not None
            # The app's JSON log lines come first; the announcement is the one plain line.
            lines = (line.strip() for line in served.stdout)
            line = next(line for line in lines if not line.startswith("{"))
            match = re.fullmatch(r"auth-api: listening on (http://127\.0\.0\.1:(\d+)/)", line)
            assert match and match.group(2) != "0", line
            answer = _get_when_up(f"{match.group(1)}health")
            assert answer.status_code == 200
        finally:
            served.terminate()
            served.wait(timeout=10)


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.1)


def test_make_migrate_runs_the_migration_entry_point_when_the_recipe_is_read() -> None:
    # The entry point records the lineage the RUNBOOK's rollbacks rely on; plain Alembic does not.
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nmigrate:", 1)[1].split("\n\n", 1)[0]
    commands = [line.strip() for line in recipe.splitlines()[1:] if line.startswith("\t")]
    assert commands == ["$(PY) -m apps.auth.setup.migrate"]
    assert "alembic" not in recipe.split("\n", 1)[1]
