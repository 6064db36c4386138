from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apps.auth.presentation.http.metrics import AuthMetrics
from apps.auth.presentation.http.paths import (
    EXT_AUTHZ_PREFIX,
    HEALTH_PATH,
    READY_PATH,
    VERIFY_PATH,
)
from apps.auth.presentation.http.response_headers import (
    internal_error,
    security_headers,
    vary_on_origin,
)

logger = logging.getLogger("auth.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET = frozenset(
    {
        "/health",
        "/ready",
        "/metrics",
        HEALTH_PATH,
        READY_PATH,
        VERIFY_PATH,
        f"{EXT_AUTHZ_PREFIX}{{original_path}}",
    }
)
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


class ObservabilityMiddleware:
    """Request id, release and security headers, metrics and one access-log line per request.

    Logs and labels use the route template, never the raw path or query, so no token or
    authorization code reaches them. Every answer is `nosniff`; an answer that sets a cookie,
    or says nothing about caching, is `no-store`: tokens and personal data stay out of caches
    unless a route opts in (the JWKS). An unhandled error is answered here too, so the 500
    carries the same headers.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: AuthMetrics,
        release: str,
        version: str,
        new_request_id: Callable[[], str],
    ) -> None:
        """`new_request_id`: the id of a request that brings no acceptable one."""
        self.app = app
        self._new_request_id = new_request_id
        self.metrics = metrics
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.headers = [
            (b"x-auth-release", release.encode()),
            (b"x-auth-version", version.encode()),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope) or self._new_request_id()
        request_id_var.set(request_id)
        status = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *security_headers(message.get("headers", [])),
                    *self.headers,
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Starlette's outermost error middleware logs the error and answers only when
            # nothing was sent yet; answering here keeps this layer's headers on the 500.
            if not status:
                await internal_error(send_wrapper)
            status = 500
            raise
        finally:
            self._observe(scope, status or 500, time.perf_counter() - started, request_id)

    def _observe(self, scope: Scope, status: int, elapsed: float, request_id: str) -> None:
        route: Any = scope.get("route")
        path = getattr(route, "path_format", None) or getattr(route, "path", None)
        template = scope.get("root_path", "") + path if path else "unmatched"
        method = scope["method"]
        key = (method, template, status)
        series = self._series.get(key)
        if series is None:
            series = (
                self.metrics.requests.labels(method, template, str(status)),
                self.metrics.latency.labels(method, template),
            )
            self._series[key] = series
        series[0].inc()
        series[1].observe(elapsed)
        level = logging.DEBUG if template in _QUIET else logging.INFO
        if logger.isEnabledFor(level):
            logger.log(
                level,
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )


def _never_a_preflight(scope: Scope) -> Scope:
    """The request as the CORS layer must see an ext_authz check: without the header that
    makes an `OPTIONS` a preflight, so it is answered as a simple request (by the route, with
    the CORS headers of an allowed origin), never by the CORS layer itself."""
    if scope["method"] != "OPTIONS":
        return scope
    headers = [h for h in scope["headers"] if h[0] != b"access-control-request-method"]
    return {**scope, "headers": headers}


def _request_id(scope: Scope) -> str | None:
    """The caller's `X-Request-ID`, when it has an acceptable shape."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _REQUEST_ID.match(candidate):
                return candidate
            break
    return None


class CorsForBrowsers:
    """Starlette's CORS handling for requests that carry an `Origin`; others skip it.

    Mesh and server-to-server calls (most `/verify` traffic) never send `Origin`, and CORS
    has nothing to add to their responses but `Vary: Origin`: the same URL answered to a
    browser carries CORS headers, so a shared cache must key on it. The ext_authz form of
    `/verify` answers whatever request Envoy forwards itself (a preflight with a bare 200,
    so the service behind the gateway answers it), never the CORS layer: its answers, the
    denials included, only gain the CORS headers of an allowed origin.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        allow_origins: Sequence[str],
        allow_methods: Sequence[str],
        allow_headers: Sequence[str],
        expose_headers: Sequence[str],
    ) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=allow_origins,
            allow_credentials=True,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, vary_on_origin(send))
        elif scope["path"].startswith(EXT_AUTHZ_PREFIX):
            await self.cors(_never_a_preflight(scope), receive, send)
        else:
            await self.cors(scope, receive, send)
