"""ASGI entry point: `uvicorn apps.auth.setup.main:app`."""

from __future__ import annotations

import sys

from fastapi import FastAPI

from apps.auth.domain.errors import ConfigurationError
from apps.auth.setup.app_factory import create_app
from apps.auth.setup.logging import configure_logging
from apps.auth.setup.settings import Settings, read_settings


def load_settings() -> Settings:
    """Settings, or a refusal with one line per missing or invalid variable, then exit code 2."""
    try:
        return read_settings()
    except ConfigurationError as error:
        _refuse(str(error))
    raise AssertionError("unreachable")


def _refuse(message: str) -> None:
    for line in message.splitlines():
        print(f"auth-api: configuration error: {line}", file=sys.stderr)
    raise SystemExit(2)


def build() -> FastAPI:
    settings = load_settings()
    configure_logging(settings.log_level, settings.service_name, settings.release)
    try:
        return create_app(settings)
    except ConfigurationError as error:
        _refuse(str(error))
    raise AssertionError("unreachable")


app = build()
