from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from apps.auth.application.services import Services
from apps.auth.presentation.http.config import HttpConfig
from apps.auth.presentation.http.metrics import AuthMetrics


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpApi:
    """What the HTTP layer serves from: the use cases, its own settings and its metrics."""

    services: Services
    config: HttpConfig
    metrics: AuthMetrics
    jwks: tuple[dict[str, Any], ...]


def api_of(request: Request) -> HttpApi:
    api: HttpApi = request.app.state.api
    return api
