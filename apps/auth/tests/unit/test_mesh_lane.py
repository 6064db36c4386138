"""The mesh lane answers its routes by path, with the app's exception handlers, and hands
every other request to the app behind it unchanged."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from apps.auth.presentation.http.mesh_lane import MeshLane
from apps.auth.presentation.http.routers.tokens import MeshRoute


class Refused(Exception):
    pass


class RefusedHarder(Refused):
    pass


class Behind:
    """The app behind the lane: records what reached it."""

    def __init__(self) -> None:
        self.paths: list[tuple[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append((scope["method"], scope["path"]))
        await PlainTextResponse("behind", status_code=404)(scope, receive, send)


async def check(request: Request) -> Response:
    if request.headers.get("x-fail") == "refused":
        raise RefusedHarder("no")
    if request.headers.get("x-fail") == "broken":
        raise RuntimeError("broken")
    return JSONResponse({"route": request.scope["route"].name, "params": request.path_params})


async def refused(request: Request, error: Exception) -> Response:
    return JSONResponse({"refused": str(error)}, status_code=403)


ROUTES = [
    MeshRoute("/verify", check, methods=["GET"], name="verify"),
    MeshRoute("/verify/{rest:path}", check, methods=["GET", "POST"], name="forwarded"),
    MeshRoute("/refresh", check, methods=["POST"], name="refresh"),
]


def lane(handlers: dict[Any, Any] | None = None) -> tuple[MeshLane, Behind]:
    behind = Behind()
    chosen = {Refused: refused} if handlers is None else handlers
    return MeshLane(behind, routes=ROUTES, handlers=chosen), behind


def client(app: Any, **options: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, **options)
    return httpx.AsyncClient(transport=transport, base_url="http://mesh.test")


async def test_fixed_and_prefixed_paths_are_answered_by_their_routes_without_the_app():
    app, behind = lane()
    async with client(app) as http:
        verify = await http.get("/verify")
        refresh = await http.post("/refresh")
        forwarded = await http.post("/verify/api/v1/scan")
        bare_prefix = await http.get("/verify/")

    assert verify.json() == {"route": "verify", "params": {}}
    assert refresh.json()["route"] == "refresh"
    assert forwarded.json() == {"route": "forwarded", "params": {"rest": "api/v1/scan"}}
    assert bare_prefix.json() == {"route": "forwarded", "params": {"rest": ""}}
    assert behind.paths == []


async def test_other_paths_methods_and_mounted_apps_reach_the_app_behind():
    app, behind = lane()
    async with client(app) as http:
        for method, path in [
            ("GET", "/refresh"),
            ("DELETE", "/verify"),
            ("GET", "/verify-not"),
            ("GET", "/health"),
        ]:
            answer = await http.request(method, path)
            assert answer.text == "behind", (method, path)
        mounted = await client(app, root_path="/auth").get("/auth/verify")

    assert mounted.text == "behind"
    assert behind.paths == [
        ("GET", "/refresh"),
        ("DELETE", "/verify"),
        ("GET", "/verify-not"),
        ("GET", "/health"),
        ("GET", "/auth/verify"),
    ]


async def test_an_error_is_answered_by_the_handler_of_its_nearest_class():
    app, _ = lane()
    async with client(app) as http:
        answer = await http.get("/verify", headers={"x-fail": "refused"})

    assert (answer.status_code, answer.json()) == (403, {"refused": "no"})


async def test_a_handler_added_after_the_lane_was_built_is_used():
    handlers: dict[Any, Any] = {}
    app, _ = lane(handlers)
    handlers[RefusedHarder] = refused
    async with client(app) as http:
        answer = await http.get("/verify", headers={"x-fail": "refused"})

    assert answer.status_code == 403


async def test_an_error_without_a_handler_and_the_catch_all_handler_are_left_to_the_app():
    app, _ = lane({Exception: refused, 500: refused})
    async with client(app) as http:
        with pytest.raises(RuntimeError, match="broken"):
            await http.get("/verify", headers={"x-fail": "broken"})
        with pytest.raises(RefusedHarder):
            await http.get("/verify", headers={"x-fail": "refused"})


def test_only_plain_routes_can_be_answered_by_path():
    with pytest.raises(TypeError, match="plain routes"):
        MeshLane(Behind(), routes=[Mount("/x", app=Behind())], handlers={})
