"""What the cut-over profile mirrors of v1: lifetimes, Kakao without a secret, the shared secret."""

from __future__ import annotations

import secrets

import pytest

from apps.auth.domain.errors import ConfigurationError
from apps.auth.setup.secret_strength import weaknesses
from apps.auth.setup.settings import Settings, read_settings
from apps.auth.setup.settings_checks import weak_secret

# v1's ConfigMap (eco2-team/backend@4c3eebb3 workloads/domains/auth/base/configmap.yaml):
# AUTH_ACCESS_TOKEN_EXP_MINUTES '4320', AUTH_REFRESH_TOKEN_EXP_MINUTES '8640'.
V1_ACCESS_SECONDS = 4320 * 60
V1_REFRESH_SECONDS = 8640 * 60
WEAK = "eco2-shared-jwt-secret-2024"
DEPLOYED = {
    "environment": "prod",
    "public_base_url": "https://api.eco2.test",
    "database_url": "postgresql+asyncpg://u@db/auth",
    "redis_url": "redis://redis:6379/0",
    "frontend_origins": "https://app.eco2.test",
    "cookie_domain": "eco2.test",
    "enabled_providers": "kakao",
    "kakao_client_id": "kakao-app-key",
    "jwt_algorithm": "HS256",
}
PROFILE = {**DEPLOYED, "legacy_sessions": True}


def _problems(**values: object) -> list[str]:
    with pytest.raises(ConfigurationError) as refused:
        read_settings(**values)
    return str(refused.value).splitlines()


def test_profile_runs_with_v1_lifetimes_when_none_are_set():
    settings = Settings(**PROFILE, jwt_secret=secrets.token_urlsafe(48))

    assert settings.access_token_ttl_seconds == V1_ACCESS_SECONDS
    assert settings.refresh_token_ttl_seconds == V1_REFRESH_SECONDS


def test_profile_from_variables_runs_with_v1_lifetimes(monkeypatch):
    monkeypatch.setenv("AUTH_LEGACY_SESSIONS", "true")
    monkeypatch.setenv("AUTH_JWT_ALGORITHM", "HS256")
    monkeypatch.setenv("AUTH_JWT_SECRET", secrets.token_urlsafe(48))

    settings = Settings(environment="test")

    assert (settings.access_token_ttl_seconds, settings.refresh_token_ttl_seconds) == (
        V1_ACCESS_SECONDS,
        V1_REFRESH_SECONDS,
    )


def test_profile_keeps_lifetimes_an_operator_sets_up_to_v1s():
    settings = Settings(
        **PROFILE, jwt_secret=secrets.token_urlsafe(48), access_token_ttl_seconds=900
    )

    assert settings.access_token_ttl_seconds == 900
    assert settings.refresh_token_ttl_seconds == V1_REFRESH_SECONDS


def test_profile_refuses_an_access_lifetime_beyond_v1s():
    lines = _problems(
        **PROFILE,
        jwt_secret=secrets.token_urlsafe(48),
        access_token_ttl_seconds=V1_ACCESS_SECONDS + 1,
    )

    assert lines == [
        f"AUTH_ACCESS_TOKEN_TTL_SECONDS must be at most {V1_ACCESS_SECONDS} "
        "with AUTH_LEGACY_SESSIONS=true (v1's lifetime)"
    ]


def test_outside_the_profile_lifetimes_keep_their_defaults_and_the_hour_limit():
    assert Settings(environment="test").access_token_ttl_seconds == 900
    assert Settings(environment="test").refresh_token_ttl_seconds == 1_209_600
    assert Settings(environment="test", access_token_ttl_seconds=3600).access_token_ttl_seconds
    for ttl in (3601, V1_ACCESS_SECONDS):
        assert _problems(environment="test", access_token_ttl_seconds=ttl) == [
            "AUTH_ACCESS_TOKEN_TTL_SECONDS must be at most 3600 outside the cut-over profile"
        ]


@pytest.mark.parametrize("value", ["maybe", "2", ""])
def test_an_unreadable_profile_flag_is_named_not_taken_for_on(value):
    lines = _problems(environment="test", legacy_sessions=value)

    assert [line.split(":")[0] for line in lines] == ["AUTH_LEGACY_SESSIONS"]


def test_kakao_needs_no_client_secret_when_deployed():
    settings = Settings(**DEPLOYED, jwt_secret=secrets.token_urlsafe(48))

    assert settings.active_providers == ["kakao"]
    assert settings.providers["kakao"].client_secret is None


def test_google_and_naver_still_need_their_secrets_when_deployed():
    lines = _problems(
        **DEPLOYED | {"enabled_providers": "kakao,google,naver"},
        google_client_id="g",
        naver_client_id="n",
        jwt_secret=secrets.token_urlsafe(48),
    )

    assert sorted(lines) == [
        "AUTH_GOOGLE_CLIENT_SECRET is required when AUTH_ENVIRONMENT=prod",
        "AUTH_NAVER_CLIENT_SECRET is required when AUTH_ENVIRONMENT=prod",
    ]


def test_a_weak_shared_secret_is_tolerated_and_flagged_in_the_profile():
    settings = Settings(**PROFILE, jwt_secret=WEAK)

    assert settings.jwt_secret == WEAK
    assert settings.jwt_secret_weak


def test_a_weak_secret_still_refuses_to_start_outside_the_profile():
    lines = _problems(**DEPLOYED, jwt_secret=WEAK)

    assert len(lines) == 1 and lines[0].startswith("AUTH_JWT_SECRET must be at least 32")
    assert WEAK not in lines[0]


@pytest.mark.parametrize("secret", [None, ""])
def test_the_profile_still_refuses_to_start_without_a_secret(secret):
    lines = _problems(**PROFILE, jwt_secret=secret)

    assert [line.split(" ")[0] for line in lines] == ["AUTH_JWT_SECRET"]


def test_a_strong_secret_and_es256_are_not_flagged():
    assert not Settings(**PROFILE, jwt_secret=secrets.token_urlsafe(48)).jwt_secret_weak
    assert not Settings(environment="test", jwt_secret=WEAK).jwt_secret_weak


@pytest.mark.parametrize(
    "secret",
    [WEAK, "x" * 31, "changeme" * 4, "ab" * 24, secrets.token_hex(16), secrets.token_urlsafe(48)],
)
def test_the_operators_check_judges_a_secret_as_start_up_does(secret):
    found = weaknesses(secret)

    assert bool(found) == weak_secret(secret)
    assert not any(secret in reason for reason in found)
