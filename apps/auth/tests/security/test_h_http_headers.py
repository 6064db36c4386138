"""H: response headers that keep tokens and personal data out of caches and sniffers, and CORS
that neither poisons shared caches nor answers for the ext_authz check."""

from __future__ import annotations

import httpx
import pytest

from apps.auth.tests.support import (
    API,
    BASE_URL,
    TestApp,
    bearer,
    dev_login,
    path_of,
    refresh_header,
    start_login,
)

FRONTEND = "https://app.eco2.test"
EXT_AUTHZ = f"{API}/verify/api/v1/orders/17"
PREFLIGHT = {"Origin": FRONTEND, "Access-Control-Request-Method": "GET"}


def _private(response: httpx.Response) -> None:
    assert response.headers.get_list("cache-control") == ["no-store"], response.headers
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]


def _varies_on_origin(response: httpx.Response) -> bool:
    tokens = ",".join(response.headers.get_list("vary")).lower().replace(" ", "").split(",")
    return "origin" in tokens


async def test_no_store_on_every_answer_with_tokens_or_personal_data_when_logged_in(
    embedded_api: TestApp,
) -> None:
    client = embedded_api.client
    as_json = await client.get(f"{API}/dev/authorize")
    legacy = await client.get(f"{API}/dev/login")
    started = await start_login(client, login_hint="hedy")
    at_idp = await client.get(path_of(started.headers["location"]))
    callback = await client.get(path_of(at_idp.headers["location"]))
    me = await client.get(f"{API}/me")
    sessions = await client.get(f"{API}/sessions")
    refreshed = await embedded_api.post_once(
        f"{API}/refresh", headers=refresh_header(callback.cookies["s_refresh"])
    )
    logout = await embedded_api.post_once(
        f"{API}/logout",
        headers={
            **bearer(refreshed.cookies["s_access"]),
            **refresh_header(refreshed.cookies["s_refresh"]),
        },
    )

    answers = [as_json, legacy, started, callback, me, sessions, refreshed, logout]
    assert [a.status_code for a in answers] == [200, 200, 302, 302, 200, 200, 201, 200]
    assert all(a.headers.get_list("set-cookie") for a in answers if a not in (me, sessions))
    for answer in answers:
        _private(answer)


async def test_no_store_on_error_bodies_when_personal_endpoints_refuse(
    embedded_api: TestApp,
) -> None:
    client = embedded_api.client
    cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    refusals = [
        (await client.get(f"{API}/me"), 401),
        (await client.get(f"{API}/sessions"), 401),
        (await embedded_api.post_once(f"{API}/refresh"), 401),
        (await embedded_api.post_once(f"{API}/logout", headers=cross_site), 403),
        (await client.get(f"{API}/dev/callback", params={"code": "c", "state": "s"}), 302),
    ]

    for response, status in refusals:
        assert response.status_code == status, response.text
        _private(response)
    assert "#/login?error=" in refusals[-1][0].headers["location"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health", 200),
        ("GET", "/ready", 200),
        ("GET", "/metrics", 200),
        ("GET", f"{API}/.well-known/jwks.json", 200),
        ("GET", f"{API}/verify", 401),
        ("GET", f"{API}/nowhere/at/all", 404),
        ("GET", f"{API}/refresh", 405),
        ("GET", f"{API}/openapi.json", 200),
        ("GET", f"{API}/docs", 200),
        ("GET", "/dev-idp/authorize", 400),
        ("GET", "/", 200),
    ],
)
async def test_nosniff_on_the_answer_when_any_route_answers(
    embedded_api: TestApp, method: str, path: str, status: int
) -> None:
    response = await embedded_api.client.request(method, path)

    assert response.status_code == status
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]


async def test_unhandled_error_answered_with_the_service_headers_when_a_route_raises(
    embedded_api: TestApp,
) -> None:
    async def broken() -> None:
        raise RuntimeError("secret internals")

    embedded_api.app.add_api_route("/broken", broken)
    transport = httpx.ASGITransport(app=embedded_api.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        response = await client.get("/broken")

    assert response.status_code == 500
    assert response.json() == {"code": "INTERNAL_ERROR", "detail": "Internal server error"}
    _private(response)
    assert response.headers["x-auth-release"] == "stable"


@pytest.mark.parametrize("origin", [None, FRONTEND, "https://evil.example"])
@pytest.mark.parametrize(
    "path", [f"{API}/.well-known/jwks.json", f"{API}/verify", "/health", f"{API}/me"]
)
async def test_vary_origin_on_the_answer_when_asked_with_or_without_origin(
    embedded_api: TestApp, path: str, origin: str | None
) -> None:
    headers = {"Origin": origin} if origin else {}
    response = await embedded_api.client.get(path, headers=headers)

    assert _varies_on_origin(response), response.headers
    allowed = response.headers.get("access-control-allow-origin")
    assert allowed == (FRONTEND if origin == FRONTEND else None)


async def test_jwks_stays_publicly_cacheable_when_served(embedded_api: TestApp) -> None:
    response = await embedded_api.client.get(f"{API}/.well-known/jwks.json")

    assert response.headers.get_list("cache-control") == ["public, max-age=300"]
    assert response.json()["keys"]


async def test_ext_authz_preflight_let_through_without_identity_when_no_token(
    embedded_api: TestApp,
) -> None:
    # The gateway forwards a browser's CORS preflight to the check; the Go check Eco² runs lets
    # it through, so a preflight carries no identity and is never a denial.
    preflight = await embedded_api.client.options(EXT_AUTHZ, headers=PREFLIGHT)
    plain = await embedded_api.client.get(EXT_AUTHZ, headers={"Origin": FRONTEND})

    assert preflight.status_code == 200
    assert "x-user-id" not in preflight.headers
    assert plain.status_code == 401 and plain.json()["code"] == "MISSING_TOKEN"
    assert plain.headers["access-control-allow-origin"] == FRONTEND
    assert _varies_on_origin(plain)


async def test_ext_authz_preflight_never_forwards_identity_when_token_valid(
    embedded_api: TestApp,
) -> None:
    session = await dev_login(embedded_api.client)
    embedded_api.client.cookies.clear()
    headers = {**PREFLIGHT, **bearer(session.access)}

    preflight = await embedded_api.client.options(EXT_AUTHZ, headers=headers)
    post = await embedded_api.client.post(EXT_AUTHZ, headers={"Origin": FRONTEND, **headers})

    assert preflight.status_code == post.status_code == 200
    assert "x-user-id" not in preflight.headers
    assert post.headers["x-user-id"] == session.claims["sub"]


async def test_browser_preflight_answered_by_cors_when_path_is_not_ext_authz(
    embedded_api: TestApp,
) -> None:
    headers = {"Origin": FRONTEND, "Access-Control-Request-Method": "POST"}
    response = await embedded_api.client.options(f"{API}/refresh", headers=headers)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == FRONTEND
    assert response.headers["access-control-allow-credentials"] == "true"
    assert _varies_on_origin(response)
