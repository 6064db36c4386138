"""Removing the cut-over profile is deleting `apps/auth/v1_compat` (and its line in
setup/cutover.py): the app builds and serves without the package, on Postgres and Redis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from apps.auth.tests.support import BASE_URL, REDIS_URL

ROOT = Path(__file__).resolve().parents[4]
SCRIPT = "apps.auth.tests.http.without_v1_compat"


def test_default_profile_builds_and_serves_when_the_cut_over_package_cannot_be_imported(
    pg_database_url: str, stream_name: str, signing_pem: str
) -> None:
    settings = {
        "environment": "test",
        "public_base_url": BASE_URL,
        "frontend_origins": "https://app.eco2.test",
        "enabled_providers": "dev",
        "outbox_stream": stream_name,
        "database_url": pg_database_url,
        "redis_url": REDIS_URL,
        "jwt_private_key": signing_pem,
        "jwt_key_id": "test-key-1",
        "jwt_secret": "x" * 64,
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", SCRIPT, json.dumps(settings)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["health"] == 200 and seen["verify"] == 200 and seen["refresh"] == 201
    assert seen["refresh_cookies"] == ["s_access", "s_refresh"]
    # The same refresh token again inside the grace window: the same successor, not a reuse.
    assert seen["spent_refresh"] == [201, None]
    # Nothing of the package was loaded; asking for the profile is what tried, and it is refused
    # with a message that says what is missing.
    assert seen["loaded"] == []
    assert seen["refused"] == ["apps.auth.v1_compat"]
    assert "cut-over profile (apps/auth/v1_compat) is not installed" in seen["profile_on"]
