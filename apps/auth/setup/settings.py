from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from apps.auth.domain.errors import ConfigurationError
from apps.auth.domain.user import DEV_PROVIDER, REAL_PROVIDERS
from apps.auth.infrastructure.persistence_redis.connection import sentinel_address
from apps.auth.presentation.http.paths import AUTH_PATH, callback_path
from apps.auth.setup import cutover, key_settings, settings_checks, token_lifetimes
from apps.auth.setup.provider_settings import ProviderSettings

PROVIDERS = REAL_PROVIDERS


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
    redis_replica_wait_ms: int = Field(200, ge=0, le=1000)
    # v1's login-state database under v1's own variable name; read in the cut-over profile.
    redis_oauth_state_url: str | None = None

    # Eco²'s users service as the owner of identities; without it, this service's own tables.
    users_grpc_target: str | None = None
    users_grpc_timeout_seconds: float = Field(2.0, gt=0, le=30)
    users_grpc_attempts: int = Field(2, ge=1, le=5)
    users_http_base_url: str | None = None
    users_cache_seconds: int = Field(30, ge=0, le=60)

    # Unset: required in prod. A revocation no replica acknowledged within the wait is 503.
    redis_replica_ack_required: bool | None = None

    public_base_url: str = "http://127.0.0.1:8000"
    frontend_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    default_frontend_origin: str | None = None
    cookie_domain: str | None = None
    cookie_secure: bool = True
    account_page: bool | None = None

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
    jwt_issuer: str = f"https://api.growbin.app{AUTH_PATH}"
    jwt_audience: str = "eco2"
    jwt_leeway_seconds: int = Field(10, ge=0, le=120)
    # The upper bound depends on the profile: settings_checks.profile_problems.
    access_token_ttl_seconds: int = Field(900, ge=60)
    refresh_token_ttl_seconds: int = Field(1_209_600, ge=3600)
    session_max_seconds: int = Field(2_592_000, ge=3600)
    refresh_grace_seconds: int = Field(10, ge=0, le=120)
    legacy_sessions: bool = False
    # Keys and claims accepted besides the signing ones, while they change (docs/tokens.md).
    jwt_accept_hs256: bool = False
    jwt_standby_public_key: str | None = None
    jwt_standby_key_id: str | None = None
    jwt_accept_issuers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    jwt_accept_audiences: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The lifetimes v1 gives its tokens (its ConfigMap: 4320 and 8640 minutes). In the cut-over
    # profile v2 accepts v1's tokens, refuses any that claims to live longer, and keeps every
    # logout-all for the longest of them.
    legacy_access_token_ttl_seconds: int = Field(259_200, ge=60)
    legacy_refresh_token_ttl_seconds: int = Field(518_400, ge=3600)
    # Unset: derived (longest accepted token lifetime plus leeway). Shorter refuses to start.
    user_not_before_ttl_seconds: int | None = Field(None, ge=60)

    outbox_stream: str = "auth:outbox:revocations"
    # Retention of the outbox belongs to the relay (it trims only what it delivered). A cap here
    # is a memory valve that can drop undelivered events: off (0) unless an operator sets it.
    outbox_maxlen: int = Field(0, ge=0)
    # A sign-in from a device and network not seen in this many days emits
    # auth.new_device_sign_in; the activity list shows this many days of records.
    new_device_window_days: int = Field(30, ge=1, le=365)
    activity_retention_days: int = Field(90, ge=1, le=3650)

    # The whole request, body included, from when the server starts waiting for it; then 408.
    request_timeout_seconds: float = Field(30.0, ge=5, le=300)
    trusted_proxy_hops: int = Field(0, ge=0, le=10)
    rate_limit_window_seconds: int = Field(60, ge=1)
    rate_limit_authorize: int = Field(60, ge=0)
    rate_limit_callback: int = Field(60, ge=0)
    rate_limit_refresh_per_ip: int = Field(120, ge=0)
    rate_limit_refresh_per_user: int = Field(30, ge=0)

    _csv = field_validator(
        "frontend_origins", "enabled_providers", "redis_sentinels", mode="before"
    )(_split_csv)
    _accepted_csv = field_validator("jwt_accept_issuers", "jwt_accept_audiences", mode="before")(
        _split_csv
    )

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
        unknown = set(providers) - {*PROVIDERS, DEV_PROVIDER}
        if unknown:
            raise ValueError(f"AUTH_ENABLED_PROVIDERS: unknown provider(s) {sorted(unknown)}")
        return providers

    @field_validator("public_base_url")
    @classmethod
    def _base_is_http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"AUTH_PUBLIC_BASE_URL: {url!r} is not an http(s) URL")
        return url.rstrip("/")

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinels_are_addresses(cls, sentinels: list[str]) -> list[str]:
        for sentinel in sentinels:
            sentinel_address(sentinel)
        return sentinels

    @model_validator(mode="before")
    @classmethod
    def _profile_lifetimes(cls, data: Any) -> Any:
        if isinstance(data, dict) and cutover.profile_on(data.get("legacy_sessions")):
            return cutover.installed_profile().defaults(data)
        return data

    @model_validator(mode="after")
    def _check_sentinel_pair(self) -> Settings:
        if bool(self.redis_sentinels) != bool(self.redis_sentinel_master):
            raise ConfigurationError(
                "AUTH_REDIS_SENTINELS and AUTH_REDIS_SENTINEL_MASTER: set both, or neither"
            )
        if self.redis_sentinels and not self.redis_url:
            raise ConfigurationError(
                "AUTH_REDIS_SENTINELS needs AUTH_REDIS_URL for the db, credentials and TLS"
            )
        return self

    @model_validator(mode="after")
    def _check_users_service(self) -> Settings:
        if self.users_grpc_target and not self.users_http_base_url:
            raise ConfigurationError(
                "AUTH_USERS_HTTP_BASE_URL is required with AUTH_USERS_GRPC_TARGET: accounts are "
                "deleted through the users service's HTTP API"
            )
        if self.users_http_base_url and not self.users_http_base_url.startswith(
            ("http://", "https://")
        ):
            raise ConfigurationError(
                f"AUTH_USERS_HTTP_BASE_URL: {self.users_http_base_url!r} is not an http(s) URL"
            )
        return self

    @model_validator(mode="after")
    def _check_environment(self) -> Settings:
        problems = settings_checks.profile_problems(self) + key_settings.transition_problems(self)
        if not self.environment.is_embedded_allowed:
            problems += settings_checks.deployment_problems(self)
        if problems:
            raise ConfigurationError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _check_token_lifetimes(self) -> Settings:
        problems = token_lifetimes.lifetime_problems(self)
        if problems:
            raise ConfigurationError("\n".join(problems))
        return self

    @property
    def jwt_secret_weak(self) -> bool:
        """HS256 with a secret that fails the strength check (it runs only in the profile)."""
        return self.jwt_algorithm == "HS256" and settings_checks.weak_secret(self.jwt_secret or "")

    @property
    def account_page_enabled(self) -> bool:
        if self.account_page is None:
            return self.environment.is_embedded_allowed
        return self.account_page

    @property
    def providers(self) -> dict[str, ProviderSettings]:
        """The real login providers (not `dev`), enabled or not, by name."""
        return {
            name: ProviderSettings(
                name=name,
                enabled=name in self.enabled_providers,
                client_id=getattr(self, f"{name}_client_id"),
                client_secret=getattr(self, f"{name}_client_secret"),
                redirect_uri=self.redirect_uri(name),
                base_url=getattr(self, f"{name}_base_url"),
            )
            for name in PROVIDERS
        }

    @property
    def allowed_origins(self) -> list[str]:
        return self.frontend_origins or [self.fallback_origin]

    @property
    def fallback_origin(self) -> str:
        if self.default_frontend_origin:
            return self.default_frontend_origin
        if self.frontend_origins:
            return self.frontend_origins[0]
        return self.public_base_url

    @property
    def active_providers(self) -> list[str]:
        """Providers that can log someone in: enabled and configured, plus `dev` in local/test."""
        configured = [p.name for p in self.providers.values() if p.enabled and p.configured]
        if self.environment.is_embedded_allowed:
            return [*configured, DEV_PROVIDER]
        return configured

    @property
    def unconfigured_providers(self) -> dict[str, tuple[str, ...]]:
        """Enabled providers without credentials (local/test only) and the variables to set."""
        return {
            p.name: p.missing_variables
            for p in self.providers.values()
            if p.enabled and not p.configured
        }

    def redirect_uri(self, provider: str) -> str:
        configured: str | None = getattr(self, f"{provider}_redirect_uri", None)
        return configured or f"{self.public_base_url}{callback_path(provider)}"

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


def read_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or one ConfigurationError listing every problem."""
    return settings_checks.load(Settings, overrides)
