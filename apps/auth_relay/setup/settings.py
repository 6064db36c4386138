from __future__ import annotations

import logging
import os
import socket
from typing import Self

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_consumer() -> str:
    return f"{os.environ.get('HOSTNAME') or socket.gethostname()}-{os.getpid()}"


def _env(name: str, *more: str) -> AliasChoices:
    return AliasChoices(name, *more)


class RelaySettings(BaseSettings):
    """The relay's knobs, read once at start-up from `RELAY_*` and the shared `AUTH_*` variables."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=_env("RELAY_REDIS_URL", "AUTH_REDIS_URL")
    )
    outbox_stream: str = Field(
        "auth:outbox:revocations", min_length=1, validation_alias=_env("AUTH_OUTBOX_STREAM")
    )
    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", validation_alias=_env("RELAY_AMQP_URL")
    )
    exchange: str = Field("blacklist.events", min_length=1, validation_alias=_env("RELAY_EXCHANGE"))
    group: str = Field("auth-relay", min_length=1, validation_alias=_env("RELAY_GROUP"))
    consumer: str = Field(
        default_factory=_default_consumer, min_length=1, validation_alias=_env("RELAY_CONSUMER")
    )
    batch_size: int = Field(500, ge=1, le=10_000, validation_alias=_env("RELAY_BATCH_SIZE"))
    block_ms: int = Field(1000, ge=1, le=60_000, validation_alias=_env("RELAY_BLOCK_MS"))
    claim_idle_seconds: float = Field(
        30.0, gt=0, le=3600, validation_alias=_env("RELAY_CLAIM_IDLE_SECONDS")
    )
    shutdown_grace_seconds: float = Field(
        10.0, gt=0, le=600, validation_alias=_env("RELAY_SHUTDOWN_GRACE_SECONDS")
    )
    dead_letter_stream: str = Field(
        "auth:outbox:revocations:dead",
        min_length=1,
        validation_alias=_env("RELAY_DEAD_LETTER_STREAM"),
    )
    dead_letter_maxlen: int = Field(
        100_000, ge=100, validation_alias=_env("RELAY_DEAD_LETTER_MAXLEN")
    )
    trim_interval_seconds: float = Field(
        5.0, gt=0, le=3600, validation_alias=_env("RELAY_TRIM_INTERVAL_SECONDS")
    )
    publish_timeout_seconds: float = Field(
        5.0, gt=0, le=120, validation_alias=_env("RELAY_PUBLISH_TIMEOUT_SECONDS")
    )
    connect_timeout_seconds: float = Field(
        5.0, gt=0, le=120, validation_alias=_env("RELAY_CONNECT_TIMEOUT_SECONDS")
    )
    backoff_initial_seconds: float = Field(
        0.2, gt=0, le=60, validation_alias=_env("RELAY_BACKOFF_INITIAL_SECONDS")
    )
    backoff_max_seconds: float = Field(
        10.0, gt=0, le=600, validation_alias=_env("RELAY_BACKOFF_MAX_SECONDS")
    )
    liveness_timeout_seconds: float = Field(
        60.0, gt=0, validation_alias=_env("RELAY_LIVENESS_TIMEOUT_SECONDS")
    )
    http_host: str = Field("0.0.0.0", validation_alias=_env("RELAY_HTTP_HOST"))  # noqa: S104
    http_port: int = Field(9100, ge=0, le=65_535, validation_alias=_env("RELAY_HTTP_PORT"))
    log_level: str = Field("INFO", validation_alias=_env("RELAY_LOG_LEVEL"))

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, url: str) -> str:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return url

    @field_validator("amqp_url")
    @classmethod
    def _amqp_scheme(cls, url: str) -> str:
        if not url.startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URL")
        return url

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        if not isinstance(logging.getLevelNamesMapping().get(level.upper()), int):
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level.upper()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.dead_letter_stream == self.outbox_stream:
            raise ValueError("RELAY_DEAD_LETTER_STREAM must differ from AUTH_OUTBOX_STREAM")
        if self.backoff_max_seconds < self.backoff_initial_seconds:
            raise ValueError("RELAY_BACKOFF_MAX_SECONDS must be >= RELAY_BACKOFF_INITIAL_SECONDS")
        slowest_step = (
            self.backoff_max_seconds
            + self.publish_timeout_seconds
            + self.connect_timeout_seconds
            + self.block_ms / 1000
        )
        if self.liveness_timeout_seconds <= slowest_step:
            raise ValueError(
                "RELAY_LIVENESS_TIMEOUT_SECONDS must exceed the backoff maximum plus the "
                "publish, connect and block timeouts"
            )
        if self.shutdown_grace_seconds * 1000 <= self.block_ms:
            raise ValueError("RELAY_SHUTDOWN_GRACE_SECONDS must exceed RELAY_BLOCK_MS")
        return self


def describe_error(error: ValidationError) -> str:
    """One line naming the environment variable at fault."""
    first = error.errors()[0]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    loc = first.get("loc") or ()
    if not loc:
        return message
    name = _variable_name(str(loc[0]))
    if "_URL" in name:
        return f"{name}: {message}"
    return f"{name}: {message} (got {first.get('input')!r})"


def _variable_name(location: str) -> str:
    for field_name, field in RelaySettings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices) and location in (field_name, *alias.choices):
            return " or ".join(str(choice) for choice in alias.choices)
    return location


def load_settings() -> RelaySettings:
    return RelaySettings()
