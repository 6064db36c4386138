from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterator

import uvicorn
from prometheus_client import CollectorRegistry, make_asgi_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

_SHUTDOWN_SECONDS = 1


class _LeavesSignalsAlone(uvicorn.Server):
    """SIGTERM belongs to the relay: the worker drains first, then this server is stopped."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _Asgi:
    """Starlette routes an instance, unlike a plain function, as an ASGI app."""

    def __init__(self, *, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def probe_app(
    *,
    live: Callable[[], bool],
    ready: Callable[[], Awaitable[bool]],
    registry: CollectorRegistry,
) -> Starlette:
    """/healthz, /readyz and prometheus-client's /metrics."""

    async def healthz(_: Request) -> PlainTextResponse:
        if live():
            return PlainTextResponse("ok\n")
        return PlainTextResponse("stalled\n", status_code=503)

    async def readyz(_: Request) -> PlainTextResponse:
        if await ready():
            return PlainTextResponse("ready\n")
        return PlainTextResponse("not ready\n", status_code=503)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", _Asgi(app=make_asgi_app(registry)), methods=["GET"]),
        ]
    )


class UvicornProbeServer:
    """Serves the probe app with uvicorn as a task of the caller's event loop."""

    def __init__(self, *, app: ASGIApp, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        assert self._socket is not None
        return int(self._socket.getsockname()[1])

    async def start(self) -> None:
        # Bound and listening here, so a taken port is an OSError of ours rather than uvicorn's
        # sys.exit, and a probe that connects before uvicorn's first turn waits in the backlog.
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        self._socket = socket.create_server((self._host, self._port), family=family)
        config = uvicorn.Config(
            self._app,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=_SHUTDOWN_SECONDS,
        )
        self._server = _LeavesSignalsAlone(config)
        self._task = asyncio.create_task(
            self._server.serve(sockets=[self._socket]), name="relay-probes"
        )

    async def close(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._server = self._task = None
