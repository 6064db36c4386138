"""The route table of the real auth API, read from the ASGI app the container runs."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from starlette.routing import Mount, compile_path

APP_MODULE = "apps.auth.setup.main"


@dataclass(frozen=True, slots=True)
class AppRoute:
    path: str
    methods: frozenset[str]
    pattern: re.Pattern[str]

    def serves(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return self.pattern.fullmatch(path) is not None


def _walk(routes: Iterable[object], prefix: str) -> Iterator[AppRoute]:
    for route in routes:
        if isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        full = prefix + path
        methods = frozenset(getattr(route, "methods", None) or ())
        yield AppRoute(full, methods, compile_path(full)[0])


@functools.cache
def app_routes() -> tuple[AppRoute, ...]:
    app = importlib.import_module(APP_MODULE).app
    return tuple(_walk(app.routes, ""))


def serves(method: str, path: str) -> bool:
    return any(route.serves(method, path) for route in app_routes())


def sample_path(template: str) -> str:
    """A concrete path for a route template, e.g. `/{provider}/callback` -> `/kakao/callback`."""
    samples = {"provider": "kakao", "session_id": "00000000-0000-4000-8000-000000000001"}
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: samples.get(m.group(1), "x"), template)
