from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

# Starlette's exception handlers: (request, exc) -> Response, sync or async.
Handler = Callable[..., Any]


class HotRoutes:
    """Serves the busiest endpoints straight from their `APIRoute`, past the router.

    Only endpoints whose single parameter is the `Request` and which return a `Response`
    qualify: for them FastAPI's routing, dependency solving and per-request exit stacks add
    nothing but time. The route stays registered, so OpenAPI and every middleware outside
    this one see it unchanged; errors go to the same exception handlers, so the answers are
    identical. Anything that does not fully match (another method, say) falls through to
    the app.
    """

    def __init__(
        self, app: ASGIApp, routes: Iterable[APIRoute], handlers: Mapping[Any, Handler]
    ) -> None:
        self.app = app
        self.routes = [_checked(route) for route in routes]
        self.handlers = {
            kind: handler
            for kind, handler in handlers.items()
            if isinstance(kind, type) and kind is not Exception
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    await self._serve(route, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(self, route: APIRoute, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await route.endpoint(request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise
            if inspect.iscoroutinefunction(handler):
                response = await handler(request, error)
            else:
                response = await run_in_threadpool(handler, request, error)
        if not isinstance(response, Response):
            raise TypeError(f"{route.path} returned {type(response).__name__}, not a Response")
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Handler | None:
        for kind in type(error).__mro__:
            handler = self.handlers.get(kind)
            if handler is not None:
                return handler
        return None


def _checked(route: APIRoute) -> APIRoute:
    dependant = route.dependant
    takes_only_request = (
        dependant.request_param_name is not None
        and not dependant.dependencies
        and not dependant.path_params
        and not dependant.query_params
        and not dependant.header_params
        and not dependant.cookie_params
        and not dependant.body_params
        and len(inspect.signature(route.endpoint).parameters) == 1
    )
    if not takes_only_request or not inspect.iscoroutinefunction(route.endpoint):
        raise ValueError(f"{route.path} cannot be served directly: it needs request parsing")
    return route
