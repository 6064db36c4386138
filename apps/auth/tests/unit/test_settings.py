from __future__ import annotations

import pytest

from apps.auth.domain.errors import ConfigurationError
from apps.auth.setup.provider_settings import ProviderSettings
from apps.auth.setup.settings import Settings, read_settings

DEPLOYED = {
    "environment": "dev",
    "public_base_url": "https://api.eco2.test",
    "database_url": "postgresql+asyncpg://u@db/auth",
    "redis_url": "redis://redis:6379/0",
    "frontend_origins": "https://app.eco2.test",
    "cookie_domain": "eco2.test",
    "enabled_providers": "kakao",
    "kakao_client_id": "id",
    "kakao_client_secret": "kakao-secret-value",
    "jwt_private_key": "pem",
    "jwt_key_id": "k1",
}


def _problems(**values: object) -> list[str]:
    with pytest.raises(ConfigurationError) as refused:
        read_settings(**values)
    return str(refused.value).splitlines()


def test_providers_are_typed_settings_when_read_from_variables(monkeypatch):
    monkeypatch.setenv("AUTH_KAKAO_CLIENT_ID", "kid")
    monkeypatch.setenv("AUTH_KAKAO_CLIENT_SECRET", "ksecret")
    monkeypatch.setenv("AUTH_GOOGLE_BASE_URL", "http://127.0.0.1:9")

    settings = Settings(environment="local")

    kakao, google = settings.providers["kakao"], settings.providers["google"]
    assert isinstance(kakao, ProviderSettings)
    assert (kakao.client_id, kakao.client_secret, kakao.configured) == ("kid", "ksecret", True)
    assert kakao.redirect_uri == "http://127.0.0.1:8000/api/v1/auth/kakao/callback"
    assert google.base_url == "http://127.0.0.1:9" and not google.configured
    assert google.missing_variables == ("AUTH_GOOGLE_CLIENT_ID", "AUTH_GOOGLE_CLIENT_SECRET")
    assert "ksecret" not in repr(kakao)


def test_local_run_offers_dev_and_configured_providers_only_when_others_lack_credentials():
    settings = Settings(environment="local", kakao_client_id="id", kakao_client_secret="s")

    assert settings.active_providers == ["kakao", "dev"]
    assert settings.unconfigured_providers == {
        "google": ("AUTH_GOOGLE_CLIENT_ID", "AUTH_GOOGLE_CLIENT_SECRET"),
        "naver": ("AUTH_NAVER_CLIENT_ID", "AUTH_NAVER_CLIENT_SECRET"),
    }


def test_provider_needs_its_secret_too_when_only_client_id_is_set():
    settings = Settings(environment="local", naver_client_id="id")

    assert "naver" not in settings.active_providers
    assert settings.unconfigured_providers["naver"] == ("AUTH_NAVER_CLIENT_SECRET",)


def test_default_frontend_origin_is_the_public_base_when_local_sets_none():
    settings = Settings(environment="local", public_base_url="http://127.0.0.1:8123/")

    assert settings.public_base_url == "http://127.0.0.1:8123"
    assert settings.fallback_origin == "http://127.0.0.1:8123"
    assert settings.allowed_origins == ["http://127.0.0.1:8123"]


def test_account_page_is_on_in_local_and_off_when_deployed_unless_asked():
    assert Settings(environment="local").account_page_enabled
    assert not Settings(environment="test", account_page=False).account_page_enabled
    assert not Settings(**DEPLOYED).account_page_enabled
    assert Settings(**DEPLOYED, account_page=True).account_page_enabled


def test_every_missing_variable_is_listed_once_when_prod_has_nothing_set():
    lines = _problems(environment="prod")

    expected = {
        "AUTH_DATABASE_URL",
        "AUTH_REDIS_URL",
        "AUTH_FRONTEND_ORIGINS",
        "AUTH_COOKIE_DOMAIN",
        "AUTH_PUBLIC_BASE_URL",
        "AUTH_JWT_PRIVATE_KEY",
        "AUTH_JWT_KEY_ID",
        "AUTH_KAKAO_CLIENT_ID",
        *(f"AUTH_{p}_CLIENT_{part}" for p in ("GOOGLE", "NAVER") for part in ("ID", "SECRET")),
    }
    named = [line.split(" ", 1)[0].rstrip(":") for line in lines]
    assert sorted(named) == sorted(expected)


def test_invalid_values_are_listed_with_missing_ones_when_both_occur():
    lines = _problems(environment="prod", database_pool_size="many", state_ttl_seconds=5)

    assert lines[0].startswith("AUTH_DATABASE_POOL_SIZE: ")
    assert lines[1].startswith("AUTH_STATE_TTL_SECONDS: ")
    assert any(line.startswith("AUTH_DATABASE_URL is required") for line in lines)
    assert len(lines) == len(set(lines))


def test_a_bad_variable_is_named_once_when_checks_would_repeat_it():
    lines = _problems(**DEPLOYED | {"frontend_origins": "https://app.eco2.test/path"})

    assert [line.split(":")[0] for line in lines] == ["AUTH_FRONTEND_ORIGINS"]


def test_deployed_settings_validate_when_complete():
    settings = Settings(**DEPLOYED)

    assert settings.active_providers == ["kakao"]
    assert settings.unconfigured_providers == {}


def test_public_base_url_is_refused_when_not_http():
    lines = _problems(environment="local", public_base_url="api.eco2.test")

    assert lines == ["AUTH_PUBLIC_BASE_URL: 'api.eco2.test' is not an http(s) URL"]


def test_users_service_needs_its_http_address_when_grpc_target_is_set():
    problems = _problems(**DEPLOYED, users_grpc_target="users-api-grpc.users:50051")

    assert any(line.startswith("AUTH_USERS_HTTP_BASE_URL is required") for line in problems)


def test_users_service_settings_read_with_v1_target_name_when_set(monkeypatch):
    # v1's own variable for the target (eco2-team/backend@4c3eebb3 apps/auth/setup/config).
    monkeypatch.setenv("AUTH_USERS_GRPC_TARGET", "users-api-grpc.users.svc.cluster.local:50051")
    monkeypatch.setenv("AUTH_USERS_HTTP_BASE_URL", "http://users-api.users.svc.cluster.local:8000")
    monkeypatch.setenv("AUTH_USERS_GRPC_TIMEOUT_SECONDS", "1.5")

    settings = read_settings(**DEPLOYED)

    assert settings.users_grpc_target == "users-api-grpc.users.svc.cluster.local:50051"
    assert settings.users_grpc_timeout_seconds == 1.5
    assert settings.users_cache_seconds <= 60


def test_users_cache_window_refused_when_longer_than_a_minute():
    problems = _problems(**DEPLOYED, users_cache_seconds=61)

    assert any(line.startswith("AUTH_USERS_CACHE_SECONDS") for line in problems)
