"""The account page, offline docs and the set-up errors a newcomer meets, through the real app."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import httpx
import pytest

from apps.auth.tests.support import API, dev_login

EXTERNAL = re.compile(r"(?:src|href)=\"(?:https?:)?//", re.IGNORECASE)


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style elements and attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.inline.append("script")
        if tag == "style" or "style" in names or any(n.startswith("on") for n in names):
            self.inline.append(tag)


def _inline_parts(page: str) -> list[str]:
    parser = _Inline()
    parser.feed(page)
    return parser.inline


async def test_page_is_served_with_strict_csp_and_no_inline_code_when_local(embedded_api):
    page = await embedded_api.client.get("/")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert _inline_parts(page.text) == []
    assert not EXTERNAL.search(page.text)
    assert '<meta name="viewport"' in page.text


async def test_unconfigured_providers_are_disabled_with_one_line_and_variables_when_local(
    app_factory,
):
    async with app_factory(embedded=True, enabled_providers="kakao,google") as api:
        page = (await api.client.get("/", headers={"Accept-Language": "en"})).text

    assert re.search(r'<button type="button" data-provider="dev">', page)
    for provider in ("kakao", "google", "naver"):
        assert re.search(rf'data-provider="{provider}" disabled', page), provider
    kakao = re.search(r'id="reason-kakao">(.*?)</p>', page)
    assert kakao is not None
    assert kakao.group(1).startswith("Not available in this environment yet.")
    # Kakao's client secret is optional at Kakao, so only its client id is asked for.
    assert "<code>AUTH_KAKAO_CLIENT_ID</code>" in kakao.group(1)
    assert "AUTH_KAKAO_CLIENT_SECRET" not in kakao.group(1)
    google = re.search(r'id="reason-google">(.*?)</p>', page)
    assert google is not None
    assert "AUTH_GOOGLE_CLIENT_ID, AUTH_GOOGLE_CLIENT_SECRET" in google.group(1)
    naver = re.search(r'id="reason-naver">(.*?)</p>', page)
    assert naver is not None and "AUTH_ENABLED_PROVIDERS" in naver.group(1)
    assert 'id="reason-dev"' not in page


async def test_deployed_page_names_no_variables_for_a_provider_it_does_not_offer(app_factory):
    deployed = {
        "environment": "dev",
        "enabled_providers": "kakao",
        "kakao_client_id": "id",
        "kakao_client_secret": "secret-value",
        "cookie_domain": "eco2.test",
        "account_page": True,
    }
    async with app_factory(**deployed) as api:
        page = (await api.client.get("/")).text

    assert re.search(r'<button type="button" data-provider="kakao">', page)
    assert re.search(r'data-provider="naver" disabled', page)
    assert "AUTH_" not in page and "이 환경에서는 아직 사용할 수 없습니다." in page


@pytest.mark.parametrize(
    ("headers", "language", "title"),
    [
        ({}, "ko", "Eco² 계정"),
        ({"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"}, "ko", "Eco² 계정"),
        ({"Accept-Language": "en-US,en;q=0.9"}, "en", "Eco² account"),
        ({"Accept-Language": "fr-FR"}, "ko", "Eco² 계정"),
        ({"Accept-Language": "en", "Cookie": "eco2_lang=ko"}, "ko", "Eco² 계정"),
        ({"Cookie": "eco2_lang=en"}, "en", "Eco² account"),
        ({"Accept-Language": "en", "Cookie": "eco2_lang=<script>"}, "en", "Eco² account"),
    ],
    ids=["default", "korean", "english", "other", "cookie-ko", "cookie-en", "bad-cookie"],
)
async def test_page_speaks_korean_unless_english_is_asked_for(
    embedded_api, headers, language, title
):
    page = await embedded_api.client.get("/", headers=headers)

    assert f'<html lang="{language}">' in page.text
    assert f"<title>{title}</title>" in page.text
    assert f'data-lang="{language}" lang="{language}" aria-pressed="true"' in page.text
    assert "{t:" not in page.text and "<script>" not in page.text
    assert set(page.headers["vary"].replace(" ", "").split(",")) >= {"Accept-Language", "Cookie"}


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_catalogue_of_each_language_is_served_beside_the_page(embedded_api, language):
    served = await embedded_api.client.get(f"/static/i18n/{language}.json")

    assert served.status_code == 200
    assert served.json()["code.TOKEN_REVOKED"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/account.js",
        "/static/api.js",
        "/static/i18n.js",
        "/static/sessions.js",
        "/static/activity.js",
        "/static/views.js",
        "/static/account.css",
        "/static/favicon.svg",
        "/favicon.ico",
    ],
)
async def test_page_assets_are_served_when_local(embedded_api, path):
    asset = await embedded_api.client.get(path)

    assert asset.status_code == 200 and len(asset.content) > 100


async def test_page_is_off_when_deployed_unless_asked(app_factory):
    deployed = {
        "environment": "dev",
        "enabled_providers": "kakao",
        "kakao_client_id": "id",
        "kakao_client_secret": "secret-value",
        "cookie_domain": "eco2.test",
    }
    async with app_factory(**deployed) as off, app_factory(**deployed, account_page=True) as on:
        hidden = await off.client.get("/")
        assets = await off.client.get("/static/account.js")
        shown = await on.client.get("/")

    assert hidden.status_code == 404 and hidden.json()["code"] == "NOT_FOUND"
    assert assets.status_code == 404
    assert shown.status_code == 200 and "Eco² 계정" in shown.text


@pytest.mark.parametrize("route", ["authorize", "login"])
async def test_provider_without_credentials_answers_503_naming_variables_when_local(
    app_factory, route
):
    async with app_factory(embedded=True, enabled_providers="naver") as api:
        answer = await api.client.get(f"{API}/naver/{route}")

    assert answer.status_code == 503
    body = answer.json()
    assert body["code"] == "PROVIDER_NOT_CONFIGURED"
    assert "AUTH_NAVER_CLIENT_ID and AUTH_NAVER_CLIENT_SECRET" in body["detail"]
    assert "s_login" not in answer.headers.get("set-cookie", "")


async def test_provider_that_is_not_enabled_stays_unsupported_when_local(app_factory):
    async with app_factory(embedded=True, enabled_providers="kakao") as api:
        answer = await api.client.get(f"{API}/google/authorize")

    assert answer.status_code == 404 and answer.json()["code"] == "UNSUPPORTED_PROVIDER"


@pytest.mark.parametrize(
    ("base", "host"),
    [("http://127.0.0.1:8000", "localhost:8000"), ("http://localhost:8000", "127.0.0.1:8000")],
)
async def test_login_start_moves_to_public_base_host_when_browser_used_other_loopback_name(
    app_factory, base, host
):
    async with app_factory(embedded=True, public_base_url=base) as api:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as browser:
            start = await browser.get(f"{API}/dev/authorize?redirect=true&login_hint=ann")
            page = await browser.get("/")

    assert start.status_code == 307
    assert start.headers["location"] == f"{base}{API}/dev/authorize?redirect=true&login_hint=ann"
    assert "set-cookie" not in start.headers
    assert page.status_code == 307 and page.headers["location"] == f"{base}/"


async def test_login_start_is_not_redirected_when_host_is_not_a_loopback_alias(app_factory):
    async with app_factory(embedded=True, public_base_url="http://127.0.0.1:8000") as api:
        transport = httpx.ASGITransport(app=api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evil.test") as client:
            start = await client.get(f"{API}/dev/authorize")

    assert start.status_code == 200 and "s_login=" in start.headers["set-cookie"]


async def test_sessions_expose_current_session_and_access_expiry_but_no_token_when_signed_in(
    embedded_api,
):
    logged = await dev_login(embedded_api.client, "page-user")

    listed = await embedded_api.client.get(f"{API}/sessions")

    body = listed.json()
    assert listed.status_code == 200
    assert body["current_session_id"] == logged.claims["sid"]
    assert [s["current"] for s in body["sessions"]] == [True]
    expires = body["access_expires_at"].replace("Z", "+00:00")
    assert int(datetime.fromisoformat(expires).timestamp()) == logged.claims["exp"]
    assert logged.access not in listed.text and logged.refresh not in listed.text


async def test_docs_page_loads_swagger_assets_from_the_service_when_offline(embedded_api):
    page = await embedded_api.client.get(f"{API}/docs")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)

    assert page.status_code == 200
    assert not EXTERNAL.search(page.text)
    assert _inline_parts(page.text) == []
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert len(assets) == 4
    for asset in assets:
        fetched = await embedded_api.client.get(asset)
        assert fetched.status_code == 200, asset
    bundle = await embedded_api.client.get(f"{API}/docs/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in bundle.text


async def test_docs_asset_outside_the_bundle_is_404_when_path_is_guessed(embedded_api):
    for name in ("..%2Fsettings.py", "redoc.standalone.js", "account_page.html"):
        answer = await embedded_api.client.get(f"{API}/docs/{name}")
        assert answer.status_code == 404, name
        assert answer.json()["code"] == "NOT_FOUND"
