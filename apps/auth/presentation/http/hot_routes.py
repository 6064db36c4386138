from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Match, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

# Starlette's exception handlers: (request, exc) -> Response, sync or async.
Handler = Callable[..., Any]


class HotRoutes:
    """Serves the busiest endpoints straight from their `APIRoute`, past the router.

    Only endpoints whose single parameter is the `Request` and which return a `Response`
    qualify: for them FastAPI's routing, dependency solving and per-request exit stacks add
    nothing but time. Each is run by Starlette's own `request_response`, with the app's
    exception handlers, so the answers are identical; the route stays registered, so OpenAPI
    and every middleware outside this one see it unchanged. Anything that does not fully
    match (another method, say) falls through to the app.
    """

    def __init__(
        self, app: ASGIApp, routes: Iterable[APIRoute], handlers: Mapping[Any, Handler]
    ) -> None:
        self.app = app
        self.routes = [(route, request_response(_checked(route).endpoint)) for route in routes]
        # The tables Starlette's ExceptionMiddleware hands to `request_response` through the
        # scope; `Exception` and 500 belong to ServerErrorMiddleware, outside this one.
        self.handlers = (
            {k: h for k, h in handlers.items() if isinstance(k, type) and k is not Exception},
            {k: h for k, h in handlers.items() if isinstance(k, int) and k != 500},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route, endpoint in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    scope["starlette.exception_handlers"] = self.handlers
                    await endpoint(scope, receive, send)
                    return
        await self.app(scope, receive, send)


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
