from __future__ import annotations

import logging
import os
import socket
from typing import Annotated, Self

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "RELAY_"


def _default_consumer() -> str:
    return f"{os.environ.get('HOSTNAME') or socket.gethostname()}-{os.getpid()}"


def _shared(name: str) -> AliasChoices:
    """A setting the relay shares with the API: `RELAY_<name>` wins over `AUTH_<name>`."""
    return AliasChoices(PREFIX + name, "AUTH_" + name)


class RelaySettings(BaseSettings):
    """The relay's knobs, read once at start-up from `RELAY_*` and the shared `AUTH_*` variables."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, extra="ignore", frozen=True, validate_by_name=True
    )

    redis_url: str = Field("redis://127.0.0.1:6379/0", validation_alias=_shared("REDIS_URL"))
    redis_sentinels: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias=_shared("REDIS_SENTINELS")
    )
    redis_sentinel_master: str | None = Field(
        None, min_length=1, validation_alias=_shared("REDIS_SENTINEL_MASTER")
    )
    outbox_stream: str = Field(
        "auth:outbox:revocations", min_length=1, validation_alias="AUTH_OUTBOX_STREAM"
    )
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = Field("blacklist.events", min_length=1)
    # Notices (new device, session compromised): a topic exchange, routing key = event type.
    notice_exchange: str = Field("auth.events", min_length=1)
    group: str = Field("auth-relay", min_length=1)
    consumer: str = Field(default_factory=_default_consumer, min_length=1)
    batch_size: int = Field(500, ge=1, le=10_000)
    block_ms: int = Field(1000, ge=1, le=60_000)
    claim_idle_seconds: float = Field(30.0, gt=0, le=3600)
    max_deliveries: int = Field(5, ge=1, le=1000)
    # Entries over this are dead-lettered `too_large`; the cap stays under RabbitMQ's 128 MiB.
    max_event_bytes: int = Field(65_536, ge=1024, le=134_217_728)
    shutdown_grace_seconds: float = Field(10.0, gt=0, le=600)
    dead_letter_stream: str = Field("auth:outbox:revocations:dead", min_length=1)
    dead_letter_maxlen: int = Field(100_000, ge=100)
    trim_interval_seconds: float = Field(5.0, gt=0, le=3600)
    publish_timeout_seconds: float = Field(5.0, gt=0, le=120)
    connect_timeout_seconds: float = Field(5.0, gt=0, le=120)
    backoff_initial_seconds: float = Field(0.2, gt=0, le=60)
    backoff_max_seconds: float = Field(10.0, gt=0, le=600)
    liveness_timeout_seconds: float = Field(60.0, gt=0)
    http_host: str = "0.0.0.0"  # noqa: S104
    http_port: int = Field(9100, ge=0, le=65_535)
    log_level: str = "INFO"

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, url: str) -> str:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return url

    @field_validator("redis_sentinels", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("redis_sentinels")
    @classmethod
    def _host_port(cls, sentinels: list[str]) -> list[str]:
        for sentinel in sentinels:
            host, _, port = sentinel.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65_536:
                raise ValueError(f"{sentinel!r} is not host:port")
        return sentinels

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
        if self.notice_exchange == self.exchange:
            raise ValueError("RELAY_NOTICE_EXCHANGE must differ from RELAY_EXCHANGE")
        if bool(self.redis_sentinels) != bool(self.redis_sentinel_master):
            raise ValueError(
                "AUTH_REDIS_SENTINELS and AUTH_REDIS_SENTINEL_MASTER must be set together"
            )
        if self.redis_sentinels and self.redis_url.startswith("unix://"):
            raise ValueError("AUTH_REDIS_SENTINELS needs a redis:// or rediss:// AUTH_REDIS_URL")
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
    name = variable_name(str(loc[0]))
    if "_URL" in name:
        return f"{name}: {message}"
    return f"{name}: {message} (got {first.get('input')!r})"


def variable_name(location: str) -> str:
    """The environment variable(s) behind a field name or alias."""
    for field_name, field in RelaySettings.model_fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias or ""]
        if location in (field_name, *choices):
            if alias is None:
                return PREFIX + field_name.upper()
            return " or ".join(str(choice) for choice in choices)
    return location


def load_settings() -> RelaySettings:
    return RelaySettings()
