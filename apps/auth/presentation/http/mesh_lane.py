"""The mesh's endpoints answered beside the framework's routing, not through it.

`/verify` (also in its ext_authz form) and `/refresh` carry nearly all of the service's
traffic. They are plain routes (routers/tokens.py), and the app's router would find them
first; `MeshLane` finds them by their path instead and calls them directly, inside the app's
own middleware (observability, CORS) and with the app's own exception handlers, so the
router, the dependency machinery's exit stack and two layers of exception wrapping are not
entered for them. Every other request, and any request to those paths the route itself does
not fully match (another method, a root path), goes on to the app unchanged, so what the
router answers there (405 with `Allow`, 404) is still its answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

Handler = Callable[[Request, Exception], Any]


class MeshLane:
    """Routes whose paths are fixed, or fixed up to a trailing `{name:path}`, answered by path.

    `handlers` is the app's exception-handler table (`app.exception_handlers`, read at each
    error, so handlers added later count); the catch-all ones (`Exception`, 500) stay with
    the outermost error middleware, as the framework keeps them.
    """

    def __init__(
        self, app: ASGIApp, *, routes: Sequence[BaseRoute], handlers: Mapping[Any, Handler]
    ) -> None:
        self.app = app
        self._handlers = handlers
        self._exact: dict[str, Route] = {}
        self._prefixed: list[tuple[str, Route]] = []
        for route in routes:
            if not isinstance(route, Route):
                raise TypeError(f"the mesh lane answers plain routes only, not {route!r}")
            if not route.param_convertors:
                self._exact[route.path] = route
                continue
            prefix, _, _ = route.path.partition("{")
            self._prefixed.append((prefix, route))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._candidate(scope) if scope["type"] == "http" else None
        if route is not None:
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                await self._answer(route, scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _candidate(self, scope: Scope) -> Route | None:
        if scope.get("root_path"):
            return None
        path: str = scope["path"]
        route = self._exact.get(path)
        if route is not None:
            return route
        for prefix, prefixed in self._prefixed:
            if path.startswith(prefix):
                return prefixed
        return None

    async def _answer(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response: Response = await route.endpoint(request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise
            response = handler(request, error)
            if inspect.isawaitable(response):
                response = await response
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Handler | None:
        for kind in type(error).__mro__:
            if kind is Exception:
                return None
            handler = self._handlers.get(kind)
            if handler is not None:
                return handler
        return None
