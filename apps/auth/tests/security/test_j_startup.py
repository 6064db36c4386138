"""Start-up refuses unsafe deployed settings, naming every problem at once (B7 and friends)."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from apps.auth.domain.errors import ConfigurationError
from apps.auth.setup.settings import Settings, read_settings

REPO = Path(__file__).resolve().parents[4]
PROD = {
    "environment": "prod",
    "public_base_url": "https://api.eco2.test",
    "database_url": "postgresql+asyncpg://u@db/auth",
    "redis_url": "redis://redis:6379/0",
    "frontend_origins": "https://app.eco2.test,https://www.eco2.test",
    "cookie_domain": "eco2.test",
    "enabled_providers": "google",
    "google_client_id": "id",
    "google_client_secret": "google-secret-value",
    "jwt_algorithm": "HS256",
}
GUESSABLE = {
    "short": "Zq8#kP2!vL9@xR4$",
    "hex-of-16-bytes": "9f86d081884c7d659a2feaa0c55ad015",
    "counting": "0123456789abcdef0123456789abcdef",
    "keyboard": "qwertyuiopasdfghjklzxcvbnmqwerty",
    "placeholder": "please-change-me-" + "x" * 20,
    "word-repeated": "Password1Password2Password3Pass!",
    "two-letters": "ab" * 24,
}


def _refusal(**values: object) -> str:
    with pytest.raises(ConfigurationError) as refused:
        read_settings(**values)
    return str(refused.value)


@pytest.mark.parametrize("name", sorted(GUESSABLE))
def test_j1_prod_refuses_guessable_hs256_secret_when_set(name):
    message = _refusal(**PROD, jwt_secret=GUESSABLE[name])

    assert message.startswith("AUTH_JWT_SECRET must be at least 32 random bytes")
    assert GUESSABLE[name] not in message


@pytest.mark.parametrize(
    "secret",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        base64.b64encode(secrets.token_bytes(24)).decode(),
    ],
    ids=["urlsafe-32", "hex-32", "base64-24"],
)
def test_j1_prod_accepts_hs256_secret_when_drawn_at_random(secret):
    assert Settings(**PROD, jwt_secret=secret).jwt_secret == secret


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "https://app.eco2.test.evil.com", "http://app.eco2.test"],
)
def test_j2_prod_refuses_default_frontend_origin_when_outside_allow_list(origin):
    message = _refusal(**PROD, jwt_secret=secrets.token_urlsafe(32), default_frontend_origin=origin)

    assert message == f"AUTH_DEFAULT_FRONTEND_ORIGIN: {origin!r} is not in AUTH_FRONTEND_ORIGINS"


def test_j3_prod_refuses_plain_http_public_base_url_when_set():
    message = _refusal(
        **PROD | {"public_base_url": "http://api.eco2.test"}, jwt_secret=secrets.token_urlsafe(32)
    )

    assert message == "AUTH_PUBLIC_BASE_URL must be an https:// URL when AUTH_ENVIRONMENT=prod"


def test_j4_prod_names_every_unsafe_setting_together_when_several_are_wrong():
    lines = _refusal(
        **PROD | {"public_base_url": "http://api.eco2.test", "enabled_providers": "google,dev"},
        jwt_secret="changeme" * 4,
        cookie_secure=False,
        default_frontend_origin="https://evil.example",
    ).splitlines()

    assert [line.split(" ", 1)[0].rstrip(":") for line in lines] == [
        "AUTH_ENABLED_PROVIDERS",
        "AUTH_COOKIE_SECURE",
        "AUTH_PUBLIC_BASE_URL",
        "AUTH_DEFAULT_FRONTEND_ORIGIN",
        "AUTH_JWT_SECRET",
    ]


def test_j5_process_exits_2_with_one_line_per_variable_when_prod_has_nothing_set():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "RELEASE_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import apps.auth.setup.main"],
        cwd=REPO,
        env=clean | {"PYTHONPATH": str(REPO), "AUTH_ENVIRONMENT": "prod"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 12, result.stderr
    assert all(line.startswith("auth-api: configuration error: AUTH_") for line in lines)
    assert "Traceback" not in result.stderr
    for variable in ("AUTH_DATABASE_URL", "AUTH_NAVER_CLIENT_SECRET", "AUTH_JWT_KEY_ID"):
        assert sum(variable in line for line in lines) == 1
