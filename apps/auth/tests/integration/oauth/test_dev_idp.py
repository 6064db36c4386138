from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest

from apps.auth.application.oauth.pkce import s256_challenge
from apps.auth.infrastructure.oauth.dev_idp import DEV_CLIENT_ID, build_dev_idp_app
from apps.auth.tests.integration.oauth.support import query_of

CALLBACK = "http://127.0.0.1:8000/api/v1/auth/dev/callback"
VERIFIER = secrets.token_urlsafe(48)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def idp(clock: ManualClock) -> AsyncIterator[httpx.AsyncClient]:
    app = build_dev_idp_app(clients={DEV_CLIENT_ID: CALLBACK}, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://idp") as client:
        yield client


def _authorize_params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": DEV_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "state": "st-1",
        "code_challenge": s256_challenge(VERIFIER),
        "code_challenge_method": "S256",
    }
    return {**params, **overrides}


async def _code(idp: httpx.AsyncClient, name: str = "alice") -> str:
    response = await idp.get("/authorize", params=_authorize_params(login_hint=name))
    return query_of(response.headers["location"])["code"]


def _token_form(code: str, **overrides: str) -> dict[str, str]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": DEV_CLIENT_ID,
        "code_verifier": VERIFIER,
    }
    return {**form, **overrides}


async def test_sign_in_form_renders_when_no_login_hint_is_given(idp: httpx.AsyncClient) -> None:
    response = await idp.get("/authorize", params=_authorize_params())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="authorize">' in response.text
    assert f'name="redirect_uri" value="{CALLBACK}"' in response.text
    assert 'name="name"' in response.text


async def test_sign_in_form_fits_a_phone_with_its_own_stylesheet_and_strict_csp(
    idp: httpx.AsyncClient,
) -> None:
    page = await idp.get("/authorize", params=_authorize_params())
    style = await idp.get("/style.css")

    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert '<link rel="stylesheet" href="style.css">' in page.text
    assert '<label for="name">Name</label>' in page.text and 'id="name"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and "script" not in csp
    assert "<script" not in page.text and "style=" not in page.text
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert "width: 100%" in style.text


async def test_echoed_values_are_escaped_when_state_carries_markup(idp: httpx.AsyncClient) -> None:
    state = '"><script>alert(1)</script>'

    response = await idp.get("/authorize", params=_authorize_params(state=state))

    assert "<script>" not in response.text
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


async def test_redirects_with_code_and_state_when_login_hint_is_given(
    idp: httpx.AsyncClient,
) -> None:
    response = await idp.get("/authorize", params=_authorize_params(login_hint="alice"))

    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(CALLBACK + "?")
    query = query_of(location)
    assert query["state"] == "st-1" and len(query["code"]) >= 32


async def test_redirects_with_code_when_sign_in_form_is_posted(idp: httpx.AsyncClient) -> None:
    form = {**_authorize_params(), "name": "bob"}
    del form["response_type"]

    response = await idp.post("/authorize", data=form)

    assert response.status_code == 302
    assert query_of(response.headers["location"])["state"] == "st-1"


async def test_form_is_shown_again_when_posted_name_is_blank(idp: httpx.AsyncClient) -> None:
    response = await idp.post("/authorize", data={**_authorize_params(), "name": "   "})

    assert response.status_code == 400
    assert "location" not in response.headers
    assert 'role="alert"' in response.text


@pytest.mark.parametrize(
    "override",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": CALLBACK + "/../other"},
        {"client_id": "someone-else"},
    ],
)
async def test_authorize_is_refused_without_redirect_when_client_or_redirect_uri_is_unregistered(
    idp: httpx.AsyncClient, override: dict[str, str]
) -> None:
    response = await idp.get("/authorize", params=_authorize_params(login_hint="a", **override))

    assert response.status_code == 400
    assert "location" not in response.headers


@pytest.mark.parametrize("override", [{"code_challenge": ""}, {"code_challenge_method": "plain"}])
async def test_redirects_with_invalid_request_when_pkce_s256_challenge_is_missing(
    idp: httpx.AsyncClient, override: dict[str, str]
) -> None:
    response = await idp.get("/authorize", params=_authorize_params(login_hint="a", **override))

    assert response.status_code == 302
    assert query_of(response.headers["location"]) == {"error": "invalid_request", "state": "st-1"}


async def test_token_is_issued_when_verifier_matches_challenge(idp: httpx.AsyncClient) -> None:
    response = await idp.post("/token", data=_token_form(await _code(idp)))

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["access_token"]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "override",
    [
        {"code_verifier": "wrong-verifier-" + "x" * 40},
        {"redirect_uri": "https://evil.example/callback"},
        {"client_id": "someone-else"},
        {"code": "never-issued"},
    ],
)
async def test_token_is_refused_with_invalid_grant_when_grant_does_not_match(
    idp: httpx.AsyncClient, override: dict[str, str]
) -> None:
    response = await idp.post("/token", data={**_token_form(await _code(idp)), **override})

    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


async def test_token_is_refused_when_code_is_reused(idp: httpx.AsyncClient) -> None:
    code = await _code(idp)
    first = await idp.post("/token", data=_token_form(code))

    second = await idp.post("/token", data=_token_form(code))

    assert first.status_code == 200
    assert (second.status_code, second.json()) == (400, {"error": "invalid_grant"})


async def test_token_is_refused_when_code_is_older_than_sixty_seconds(
    idp: httpx.AsyncClient, clock: ManualClock
) -> None:
    code = await _code(idp)
    clock.now += 60.5

    response = await idp.post("/token", data=_token_form(code))

    assert (response.status_code, response.json()) == (400, {"error": "invalid_grant"})


async def test_token_is_refused_when_grant_type_is_not_authorization_code(
    idp: httpx.AsyncClient,
) -> None:
    response = await idp.post("/token", data=_token_form("c", grant_type="password"))

    assert (response.status_code, response.json()) == (400, {"error": "unsupported_grant_type"})


async def test_userinfo_returns_oidc_claims_when_bearer_token_is_valid(
    idp: httpx.AsyncClient,
) -> None:
    token = (await idp.post("/token", data=_token_form(await _code(idp, "Alice")))).json()

    response = await idp.get(
        "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )

    assert response.status_code == 200
    assert response.json() == {
        "sub": "dev-Alice",
        "name": "Alice",
        "preferred_username": "Alice",
        "email": "alice@dev-idp.test",
        "picture": None,
    }


async def test_same_subject_is_returned_when_same_name_signs_in_twice(
    idp: httpx.AsyncClient,
) -> None:
    subjects = []
    for _ in range(2):
        token = (await idp.post("/token", data=_token_form(await _code(idp, "kim")))).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        subjects.append((await idp.get("/userinfo", headers=headers)).json()["sub"])

    assert subjects == ["dev-kim", "dev-kim"]


@pytest.mark.parametrize("authorization", [None, "Bearer unknown", "Basic abc"])
async def test_userinfo_is_refused_when_token_is_missing_or_unknown(
    idp: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = await idp.get("/userinfo", headers=headers)

    assert (response.status_code, response.json()) == (401, {"error": "invalid_token"})
    assert response.headers["www-authenticate"].startswith("Bearer")
