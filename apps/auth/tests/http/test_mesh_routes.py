"""`/verify` and `/refresh` are plain Starlette routes ahead of FastAPI's; they answer through
the app's own error handling and stay documented in OpenAPI."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.routing import APIRoute
from starlette.routing import Route

from apps.auth.domain.errors import RateLimited
from apps.auth.tests.conftest import FRONTEND
from apps.auth.tests.security.attack import client_for, unique_ip
from apps.auth.tests.support import API, BASE_URL, bearer, dev_login, refresh_header

MESH = {"verify", "verify_forwarded", "refresh"}


def test_mesh_routes_come_first_when_the_app_is_built(api: Any) -> None:
    first = api.app.router.routes[: len(MESH)]
    assert {route.name for route in first} == MESH
    assert all(isinstance(route, Route) and not isinstance(route, APIRoute) for route in first)


async def test_openapi_documents_verify_and_refresh_when_served_by_plain_routes(
    api: Any,
) -> None:
    paths = (await api.client.get(f"{API}/openapi.json")).json()["paths"]
    assert "get" in paths[f"{API}/verify"]
    assert "201" in paths[f"{API}/refresh"]["post"]["responses"]
    assert "401" in paths[f"{API}/refresh"]["post"]["responses"]


async def test_verify_answers_with_headers_when_the_token_is_valid(api: Any) -> None:
    logged = await dev_login(api.client)
    answer = await api.post_once(f"{API}/verify/api/v1/scan", headers=bearer(logged.access))
    assert answer.status_code == 200
    assert answer.headers["x-user-id"] == logged.claims["sub"]
    assert answer.headers["x-auth-release"] == "stable"


async def test_refresh_answers_405_with_allow_when_called_with_get(api: Any) -> None:
    answer = await api.client.get(f"{API}/refresh")
    assert answer.status_code == 405
    assert answer.json()["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in answer.headers["allow"]


async def test_domain_error_keeps_status_and_headers_when_raised_on_a_plain_route(
    app_factory: Any,
) -> None:
    async with app_factory(rate_limit_refresh_per_ip=1) as api:
        logged = await dev_login(api.client)
        async with client_for(api.app, unique_ip()) as client:
            first = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
            assert first.status_code == 201
            limited = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
    assert limited.status_code == 429
    assert limited.json()["code"] == RateLimited.code
    assert int(limited.headers["retry-after"]) >= 1


async def test_unexpected_error_is_a_500_without_internals_when_raised_on_a_plain_route(
    api: Any,
) -> None:
    class Broken:
        async def execute(self, request: object) -> object:
            raise RuntimeError("database password is hunter2")

    services = api.app.state.api.services
    object.__setattr__(services, "validate_token", Broken())
    transport = httpx.ASGITransport(app=api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        answer = await client.get(f"{API}/verify", headers=bearer("x"))
    assert answer.status_code == 500
    assert answer.json() == {"code": "INTERNAL_ERROR", "detail": "Internal server error"}
    assert "hunter2" not in answer.text


async def test_mesh_routes_are_labelled_by_template_when_metered_and_logged(
    api: Any, caplog
) -> None:
    logged = await dev_login(api.client)
    # Only the /verify line: the login's own lines are captured too once anything in the
    # session (e.g. importing the entry point) has set the root logger to INFO.
    caplog.clear()
    with caplog.at_level("DEBUG", logger="auth.access"):
        answer = await api.client.get(f"{API}/verify/api/v1/scan", headers=bearer(logged.access))
    assert answer.status_code == 200
    [line] = [r for r in caplog.records if r.name == "auth.access"]
    assert line.levelname == "DEBUG", "the mesh's busiest path logs at DEBUG"
    assert line.route == f"{API}/verify/{{original_path}}"
    metrics = (await api.client.get("/metrics")).text
    assert f'route="{API}/verify/{{original_path}}"' in metrics
    assert 'route="unmatched"' not in metrics


IDENTITY = ("x-user-id", "x-auth-provider")


async def test_forwarded_preflight_passes_without_naming_anyone(api: Any) -> None:
    logged = await dev_login(api.client)
    preflight = {"Origin": FRONTEND, "Access-Control-Request-Method": "POST"}

    for headers in ({}, preflight, {**preflight, **bearer(logged.access)}, bearer("garbage")):
        answer = await api.client.options(f"{API}/verify/some/path", headers=headers)
        assert answer.status_code == 200, headers
        assert not [name for name in IDENTITY if name in answer.headers], headers
        assert answer.content == b""


async def test_other_methods_below_verify_are_still_checked(api: Any) -> None:
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        answer = await api.client.request(method, f"{API}/verify/some/path")
        assert answer.status_code == 401, method
        assert not [name for name in IDENTITY if name in answer.headers], method


async def test_denial_below_verify_carries_cors_headers_for_an_allowed_origin(api: Any) -> None:
    denied = await api.client.get(
        f"{API}/verify/some/path", headers={"Origin": FRONTEND, **bearer("not-a-token")}
    )
    foreign = await api.client.get(
        f"{API}/verify/some/path", headers={"Origin": "https://evil.example", **bearer("x")}
    )

    assert denied.status_code == 401
    assert denied.json()["code"] == "INVALID_TOKEN"
    assert denied.headers["access-control-allow-origin"] == FRONTEND
    assert denied.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in denied.headers["vary"]
    assert foreign.status_code == 401
    assert "access-control-allow-origin" not in foreign.headers


async def test_mesh_requests_are_answered_without_entering_the_router(
    api: Any, monkeypatch: Any
) -> None:
    router = api.app.router
    entered: list[str] = []
    inner = router.middleware_stack

    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        entered.append(scope["path"])
        await inner(scope, receive, send)

    monkeypatch.setattr(router, "middleware_stack", recorded)
    logged = await dev_login(api.client)
    entered.clear()
    verified = await api.client.get(f"{API}/verify", headers=bearer(logged.access))
    forwarded = await api.post_once(f"{API}/verify/api/v1/scan", headers=bearer(logged.access))
    refreshed = await api.client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
    assert [verified.status_code, forwarded.status_code, refreshed.status_code] == [200, 200, 201]
    assert entered == []

    wrong_method = await api.client.get(f"{API}/refresh")
    health = await api.client.get(f"{API}/health")
    assert (wrong_method.status_code, health.status_code) == (405, 200)
    assert entered == [f"{API}/refresh", f"{API}/health"]
