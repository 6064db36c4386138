from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from apps.auth.domain.errors import RateLimited, TokenRevoked
from apps.auth.presentation.http.errors import install_error_handlers
from apps.auth.presentation.http.hot_routes import HotRoutes


class _Counting:
    """Stands between the hot routes and the router, counting what reaches the router."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


def _app(hot: bool) -> tuple[FastAPI, list[_Counting]]:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/check")
    async def check(request: Request) -> Any:
        return JSONResponse({"seen": request.headers.get("x-probe")}, headers={"x-ok": "1"})

    @app.post("/revoked")
    async def revoked(request: Request) -> Any:
        raise TokenRevoked()

    @app.post("/limited")
    async def limited(request: Request) -> Any:
        raise RateLimited(7)

    @app.get("/broken")
    async def broken(request: Request) -> Any:
        raise RuntimeError("boom")

    @app.get("/lookup")
    async def lookup(request: Request) -> Any:
        raise KeyError("missing")

    def sync_handler(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"sync": True}, status_code=418)

    app.add_exception_handler(KeyError, sync_handler)

    counters: list[_Counting] = []

    def counting(inner: ASGIApp) -> _Counting:
        counters.append(_Counting(inner))
        return counters[-1]

    app.add_middleware(counting)  # type: ignore[arg-type]
    if hot:
        app.add_middleware(
            HotRoutes,
            routes=[r for r in app.routes if isinstance(r, APIRoute)],
            handlers=app.exception_handlers,
        )
    return app, counters


async def _exchange(app: FastAPI, method: str, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, path, headers={"x-probe": "p"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/check"),
        ("POST", "/revoked"),
        ("POST", "/limited"),
        ("GET", "/broken"),
        ("GET", "/lookup"),
        ("POST", "/check"),
        ("GET", "/nowhere"),
    ],
)
async def test_hot_routes_answer_exactly_like_the_router(method: str, path: str) -> None:
    routed, _ = _app(hot=False)
    direct, _ = _app(hot=True)
    expected = await _exchange(routed, method, path)
    got = await _exchange(direct, method, path)
    assert (got.status_code, got.content) == (expected.status_code, expected.content)
    assert sorted(got.headers.items()) == sorted(expected.headers.items())


@pytest.mark.parametrize(
    ("method", "path", "reaches_router"),
    [
        ("GET", "/check", False),
        ("POST", "/revoked", False),
        ("POST", "/check", True),
        ("GET", "/nowhere", True),
    ],
)
async def test_only_full_matches_skip_the_router(
    method: str, path: str, reaches_router: bool
) -> None:
    app, counters = _app(hot=True)
    await _exchange(app, method, path)
    assert counters[0].calls == int(reaches_router)


async def test_domain_errors_keep_their_status_and_headers_on_the_hot_path() -> None:
    app, _ = _app(hot=True)
    revoked = await _exchange(app, "POST", "/revoked")
    limited = await _exchange(app, "POST", "/limited")
    assert revoked.status_code == 401 and revoked.json()["code"] == "TOKEN_REVOKED"
    assert limited.status_code == 429 and limited.headers["retry-after"] == "7"


async def test_sync_exception_handlers_answer_on_the_hot_path() -> None:
    app, counters = _app(hot=True)
    response = await _exchange(app, "GET", "/lookup")
    assert (response.status_code, response.json()) == (418, {"sync": True})
    assert counters[0].calls == 0


async def test_unexpected_errors_still_reach_the_server_error_handler() -> None:
    app, _ = _app(hot=True)
    response = await _exchange(app, "GET", "/broken")
    assert response.status_code == 500
    assert response.json() == {"code": "INTERNAL_ERROR", "detail": "Internal server error"}


async def test_an_endpoint_that_returns_no_response_is_a_server_error_not_a_crash() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/plain")
    async def plain(request: Request) -> Any:
        return {"not": "a response"}

    app.add_middleware(HotRoutes, routes=list(app.routes)[-1:], handlers=app.exception_handlers)
    response = await _exchange(app, "GET", "/plain")
    assert response.status_code == 500
    assert response.json()["code"] == "INTERNAL_ERROR"


def test_routes_that_need_request_parsing_are_refused() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/sync")
    def sync(request: Request) -> dict[str, bool]:
        return {"ok": True}

    for route in app.routes:
        if isinstance(route, APIRoute):
            with pytest.raises(ValueError, match="cannot be served directly"):
                HotRoutes(app, routes=[route], handlers={})


async def test_real_app_serves_verify_and_refresh_directly(api: Any) -> None:
    hot = next(m for m in api.app.user_middleware if m.cls is HotRoutes)
    assert {route.name for route in hot.kwargs["routes"]} == {
        "verify",
        "verify_forwarded",
        "refresh",
    }
