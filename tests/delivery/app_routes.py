"""The route table of the real auth API, read from the ASGI app the container runs."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from starlette.routing import Match, Mount

APP_MODULE = "apps.auth.setup.main"


@dataclass(frozen=True, slots=True)
class AppRoute:
    path: str
    methods: frozenset[str]


@functools.cache
def _app() -> Any:
    return importlib.import_module(APP_MODULE).app


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[AppRoute]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        elif hasattr(route, "effective_route_contexts"):
            # FastAPI >= 0.16x keeps an included router as one lazy entry of `app.routes`.
            for context in route.effective_route_contexts():
                methods = getattr(context.original_route, "methods", None) or ()
                yield AppRoute(prefix + context.path, frozenset(methods))
        elif getattr(route, "path", None) is not None:
            yield AppRoute(prefix + route.path, frozenset(getattr(route, "methods", None) or ()))


@functools.cache
def app_routes() -> tuple[AppRoute, ...]:
    return tuple(_walk(_app().routes, ""))


def serves(method: str, path: str) -> bool:
    """Whether the app's router fully matches `method path` (Starlette's own matching)."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": [],
        "query_string": b"",
    }
    return any(route.matches(scope)[0] == Match.FULL for route in _app().routes)


def sample_path(template: str) -> str:
    """A concrete path for a route template, e.g. `/{provider}/callback` -> `/kakao/callback`."""
    samples = {"provider": "kakao", "session_id": "00000000-0000-4000-8000-000000000001"}
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: samples.get(m.group(1), "x"), template)
