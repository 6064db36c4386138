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


# Where a request keeps the app's `HttpApi` once looked up: the app's `state` resolves each
# attribute through a Python-level `__getattr__`, and a request asks several times.
_SCOPE_KEY = "auth.api"


def api_of(request: Request) -> HttpApi:
    scope = request.scope
    api: HttpApi | None = scope.get(_SCOPE_KEY)
    if api is None:
        api = scope[_SCOPE_KEY] = request.app.state.api
    return api
