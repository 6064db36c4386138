from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from apps.auth.domain.errors import ConfigurationError

PROVIDERS = ("kakao", "google", "naver")
_WEAK_SECRETS = {"secret", "changeme", "change-me", "dev-secret", "local-secret", "jwt-secret"}


def _guessable(secret: str) -> bool:
    lowered = secret.lower()
    if len(set(secret)) < 12 or any(word in lowered for word in _WEAK_SECRETS):
        return True
    return any(
        lowered == lowered[:n] * (len(lowered) // n) for n in range(1, 9) if len(lowered) % n == 0
    )


class Environment(StrEnum):
    LOCAL = "local"
    TEST = "test"
    DEV = "dev"
    PROD = "prod"

    @property
    def is_embedded_allowed(self) -> bool:
        return self in (Environment.LOCAL, Environment.TEST)


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Every knob of the auth API; read once at start-up from `AUTH_*` variables."""

    model_config = SettingsConfigDict(
        env_prefix="AUTH_", extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Environment = Environment.LOCAL
    service_name: str = "auth-api"
    version: str = Field("2.0.0", validation_alias=AliasChoices("AUTH_VERSION", "APP_VERSION"))
    git_sha: str = Field("unknown", validation_alias=AliasChoices("AUTH_GIT_SHA", "GIT_SHA"))
    release: Literal["stable", "canary"] = Field(
        "stable", validation_alias=AliasChoices("RELEASE_TYPE", "AUTH_RELEASE")
    )
    log_level: str = "INFO"
    otel_endpoint: str | None = Field(
        None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT")
    )

    database_url: str | None = None
    database_pool_size: int = Field(10, ge=1, le=100)
    redis_url: str | None = None
    redis_sentinels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    redis_sentinel_master: str | None = None

    public_base_url: str = "http://127.0.0.1:8000"
    frontend_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    default_frontend_origin: str | None = None
    cookie_domain: str | None = None
    cookie_secure: bool = True

    enabled_providers: Annotated[list[str], NoDecode] = Field(default_factory=lambda: [*PROVIDERS])
    oauth_timeout_seconds: float = Field(5.0, gt=0, le=30)
    state_ttl_seconds: int = Field(600, ge=60, le=3600)

    kakao_client_id: str | None = None
    kakao_client_secret: str | None = None
    kakao_redirect_uri: str | None = None
    kakao_base_url: str | None = None
    google_client_id: str | None = None
    google_client_secret: str | None = None
    google_redirect_uri: str | None = None
    google_base_url: str | None = None
    naver_client_id: str | None = None
    naver_client_secret: str | None = None
    naver_redirect_uri: str | None = None
    naver_base_url: str | None = None

    jwt_algorithm: Literal["ES256", "HS256"] = "ES256"
    jwt_private_key: str | None = None
    jwt_key_id: str | None = None
    jwt_previous_public_keys: str | None = None
    jwt_secret: str | None = None
    jwt_issuer: str = "https://api.growbin.app/api/v1/auth"
    jwt_audience: str = "eco2"
    jwt_leeway_seconds: int = Field(10, ge=0, le=120)
    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    refresh_token_ttl_seconds: int = Field(1_209_600, ge=3600)
    session_max_seconds: int = Field(2_592_000, ge=3600)
    refresh_grace_seconds: int = Field(10, ge=0, le=120)
    legacy_sessions: bool = False

    outbox_stream: str = "auth:outbox:revocations"
    outbox_maxlen: int = Field(1_000_000, ge=1000)

    trusted_proxy_hops: int = Field(0, ge=0, le=10)
    rate_limit_window_seconds: int = Field(60, ge=1)
    rate_limit_authorize: int = Field(60, ge=0)
    rate_limit_callback: int = Field(60, ge=0)
    rate_limit_refresh_per_ip: int = Field(120, ge=0)
    rate_limit_refresh_per_user: int = Field(30, ge=0)

    _csv = field_validator(
        "frontend_origins", "enabled_providers", "redis_sentinels", mode="before"
    )(_split_csv)

    @field_validator("frontend_origins")
    @classmethod
    def _origins_are_bare(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
                raise ValueError(f"AUTH_FRONTEND_ORIGINS: {origin!r} is not a bare origin")
        return origins

    @field_validator("enabled_providers")
    @classmethod
    def _known_providers(cls, providers: list[str]) -> list[str]:
        unknown = set(providers) - {*PROVIDERS, "dev"}
        if unknown:
            raise ValueError(f"AUTH_ENABLED_PROVIDERS: unknown provider(s) {sorted(unknown)}")
        return providers

    @model_validator(mode="after")
    def _check_environment(self) -> Settings:
        if self.environment.is_embedded_allowed:
            return self
        missing = [
            name
            for name, value in (
                ("AUTH_DATABASE_URL", self.database_url),
                ("AUTH_REDIS_URL", self.redis_url),
                ("AUTH_FRONTEND_ORIGINS", self.frontend_origins),
                ("AUTH_COOKIE_DOMAIN", self.cookie_domain),
            )
            if not value
        ]
        for provider in self.enabled_providers:
            if provider == "dev":
                raise ConfigurationError(
                    "AUTH_ENABLED_PROVIDERS: the dev provider is only for local and test"
                )
            for part in ("client_id", "client_secret"):
                if not getattr(self, f"{provider}_{part}"):
                    missing.append(f"AUTH_{provider.upper()}_{part.upper()}")
        if missing:
            raise ConfigurationError(
                f"{missing[0]} is required when AUTH_ENVIRONMENT={self.environment}"
            )
        if not self.cookie_secure:
            raise ConfigurationError("AUTH_COOKIE_SECURE must stay true outside local and test")
        self._check_keys()
        return self

    def _check_keys(self) -> None:
        if self.jwt_algorithm == "HS256":
            secret = self.jwt_secret or ""
            if len(secret.encode()) < 32 or _guessable(secret):
                raise ConfigurationError(
                    "AUTH_JWT_SECRET must be at least 32 random bytes for HS256"
                )
            return
        if not self.jwt_private_key:
            raise ConfigurationError("AUTH_JWT_PRIVATE_KEY is required for ES256")
        if not self.jwt_key_id:
            raise ConfigurationError("AUTH_JWT_KEY_ID is required for ES256")

    @property
    def allowed_origins(self) -> list[str]:
        return self.frontend_origins or [self.fallback_origin]

    @property
    def fallback_origin(self) -> str:
        if self.default_frontend_origin:
            return self.default_frontend_origin
        if self.frontend_origins:
            return self.frontend_origins[0]
        return "http://localhost:3000"

    @property
    def active_providers(self) -> list[str]:
        providers = list(self.enabled_providers)
        if self.environment.is_embedded_allowed and "dev" not in providers:
            providers.append("dev")
        if not self.environment.is_embedded_allowed:
            return providers
        return [p for p in providers if p == "dev" or self.provider_configured(p)]

    def provider_configured(self, provider: str) -> bool:
        return bool(getattr(self, f"{provider}_client_id", None))

    def redirect_uri(self, provider: str) -> str:
        configured = getattr(self, f"{provider}_redirect_uri", None)
        return configured or f"{self.public_base_url}/api/v1/auth/{provider}/callback"

    def previous_public_keys(self) -> dict[str, str]:
        if not self.jwt_previous_public_keys:
            return {}
        try:
            keys = json.loads(self.jwt_previous_public_keys)
        except json.JSONDecodeError as exc:
            raise ConfigurationError("AUTH_JWT_PREVIOUS_PUBLIC_KEYS must be a JSON object") from exc
        if not isinstance(keys, dict):
            raise ConfigurationError("AUTH_JWT_PREVIOUS_PUBLIC_KEYS must map kid to PEM")
        return {str(k): str(v) for k, v in keys.items()}
