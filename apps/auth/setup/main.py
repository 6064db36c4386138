"""ASGI entry point: `uvicorn apps.auth.setup.main:app`."""

from __future__ import annotations

import sys

from fastapi import FastAPI
from pydantic import ValidationError

from apps.auth.domain.errors import ConfigurationError
from apps.auth.setup.app_factory import create_app
from apps.auth.setup.logging import configure_logging
from apps.auth.setup.settings import Settings


def load_settings() -> Settings:
    """Settings or a one-line refusal naming the variable, then exit code 2."""
    try:
        return Settings()
    except ConfigurationError as error:
        _refuse(str(error))
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        name = (
            field.upper()
            if field.upper().startswith(("AUTH_", "RELEASE_", "GIT_"))
            else f"AUTH_{field.upper()}"
        )
        _refuse(message if message.startswith("AUTH_") else f"{name}: {message}")
    raise AssertionError("unreachable")


def _refuse(message: str) -> None:
    print(f"auth-api: configuration error: {message}", file=sys.stderr)
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
