"""A weak HS256 secret: refused outside the cut-over profile, reported inside it (B7).

In the profile the secret is the one v1 and the platform's gateway already sign and verify
with, so the service starts with it, logs a warning and exports `auth_config_weak_secret 1`;
the secret itself appears in no output. Each case starts the real entry point.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys

import httpx
import pytest

from apps.auth.setup.secret_strength import COMMAND
from apps.auth.tests.served_process import ROOT, process_env, served
from apps.auth.tests.support import REDIS_URL

# Long enough, but a phrase: what a team types when it first sets up HS256.
WEAK = "eco2-sesacthon-shared-jwt-secret"


@pytest.fixture
def deployed(pg_database_url: str) -> dict[str, str]:
    """A dev deployment on the test Postgres and Redis, Kakao without a client secret."""
    return {
        "AUTH_ENVIRONMENT": "dev",
        "AUTH_DATABASE_URL": pg_database_url,
        "AUTH_REDIS_URL": REDIS_URL,
        "AUTH_FRONTEND_ORIGINS": "https://app.eco2.test",
        "AUTH_COOKIE_DOMAIN": ".eco2.test",
        "AUTH_ENABLED_PROVIDERS": "kakao",
        "AUTH_KAKAO_CLIENT_ID": "kakao-app-key",
        "AUTH_JWT_ALGORITHM": "HS256",
    }


def _weak_secret_gauge(base_url: str) -> float:
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    assert WEAK not in text
    [value] = [
        line.split(" ")[1]
        for line in text.splitlines()
        if line.startswith("auth_config_weak_secret ")
    ]
    return float(value)


def _warnings(log: str) -> list[dict]:
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    return [r for r in records if r["level"] == "WARNING" and "AUTH_JWT_SECRET" in r["message"]]


def test_j6_weak_secret_outside_the_profile_still_refuses_to_start(deployed):
    result = subprocess.run(
        [sys.executable, "-c", "import apps.auth.setup.main"],
        cwd=ROOT,
        env=process_env(**deployed, AUTH_JWT_SECRET=WEAK),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.startswith("auth-api: configuration error: AUTH_JWT_SECRET must be")
    assert WEAK not in result.stderr + result.stdout


def test_j6_weak_shared_secret_in_the_profile_starts_logs_and_exports_1(deployed, tmp_path):
    profile = {**deployed, "AUTH_LEGACY_SESSIONS": "true", "AUTH_JWT_SECRET": WEAK}

    with served(tmp_path / "api.log", **profile) as api:
        health = httpx.get(f"{api.base_url}/api/v1/auth/health", timeout=5)
        gauge = _weak_secret_gauge(api.base_url)
        log = api.log()

    assert health.status_code == 200 and WEAK not in health.text
    assert gauge == 1
    [warning] = _warnings(log)
    assert warning["logger"] == "auth.setup" and warning["check"] == COMMAND
    assert WEAK not in log
    assert WEAK[:12] not in log and WEAK[-12:] not in log


def test_j6_strong_secret_in_the_profile_exports_0_and_warns_nothing(deployed, tmp_path):
    strong = secrets.token_urlsafe(48)
    profile = {**deployed, "AUTH_LEGACY_SESSIONS": "true", "AUTH_JWT_SECRET": strong}

    with served(tmp_path / "api.log", **profile) as api:
        gauge = _weak_secret_gauge(api.base_url)
        log = api.log()

    assert gauge == 0
    assert _warnings(log) == []
    assert strong not in log


def _check(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apps.auth.setup.secret_strength"],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "secret", [WEAK, "x" * 40, secrets.token_hex(16), "Zq8#kP2!vL9@xR4$"], ids=str
)
def test_j6_operators_check_exits_1_on_a_weak_secret_without_printing_it(secret):
    result = _check(AUTH_JWT_SECRET=secret)

    assert result.returncode == 1
    assert result.stderr.startswith("AUTH_JWT_SECRET is weak: ")
    assert secret not in result.stdout + result.stderr


def test_j6_operators_check_exits_0_on_a_random_secret_and_2_when_unset():
    strong = secrets.token_urlsafe(48)
    passed, unset = _check(AUTH_JWT_SECRET=strong), _check()

    assert (passed.returncode, passed.stdout) == (0, "AUTH_JWT_SECRET passes the strength check\n")
    assert strong not in passed.stdout + passed.stderr
    assert (unset.returncode, unset.stderr) == (2, "AUTH_JWT_SECRET is not set\n")
