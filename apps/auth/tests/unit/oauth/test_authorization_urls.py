from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.applications import Starlette

from apps.auth.infrastructure.oauth.dev import DevOAuthProvider
from apps.auth.infrastructure.oauth.google import GOOGLE_ENDPOINTS, GoogleOAuthProvider
from apps.auth.infrastructure.oauth.kakao import KAKAO_ENDPOINTS, KakaoOAuthProvider
from apps.auth.infrastructure.oauth.naver import NAVER_ENDPOINTS, NaverOAuthProvider

CLASSES = {"kakao": KakaoOAuthProvider, "google": GoogleOAuthProvider, "naver": NaverOAuthProvider}


async def _url(name: str, base_url: str | None = None) -> str:
    provider = CLASSES[name](client_id="id", client_secret="s", timeout=1.0, base_url=base_url)
    return await provider.authorization_url(
        state="st", redirect_uri="https://a.example/cb", code_challenge="ch", login_hint=None
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("kakao", "https://kauth.kakao.com/oauth/authorize"),
        ("google", "https://accounts.google.com/o/oauth2/v2/auth"),
        ("naver", "https://nid.naver.com/oauth2.0/authorize"),
    ],
)
async def test_authorization_url_points_at_the_real_provider_when_no_base_url_is_set(
    name: str, expected: str
) -> None:
    assert (await _url(name)).split("?")[0] == expected


@pytest.mark.parametrize("name", ["kakao", "google", "naver"])
async def test_authorization_url_moves_to_base_url_keeping_the_path_when_overridden(
    name: str,
) -> None:
    url = urlsplit(await _url(name, base_url="http://127.0.0.1:9999/"))

    assert (url.scheme, url.netloc) == ("http", "127.0.0.1:9999")
    assert url.path == urlsplit(await _url(name)).path


@pytest.mark.parametrize(
    ("endpoints", "paths"),
    [
        (KAKAO_ENDPOINTS, ("/oauth/authorize", "/oauth/token", "/v2/user/me")),
        (GOOGLE_ENDPOINTS, ("/o/oauth2/v2/auth", "/token", "/v1/userinfo")),
        (NAVER_ENDPOINTS, ("/oauth2.0/authorize", "/oauth2.0/token", "/v1/nid/me")),
    ],
)
async def test_every_host_maps_to_base_url_when_endpoints_are_rebased(endpoints, paths) -> None:
    rebased = endpoints.rebased("http://fake:1")

    assert (rebased.authorize, rebased.token, rebased.profile) == tuple(
        f"http://fake:1{path}" for path in paths
    )
    assert endpoints.rebased(None) is endpoints


async def test_dev_authorization_url_is_under_public_base_url_when_built() -> None:
    dev = DevOAuthProvider(public_base_url="https://local.example/", idp_app=Starlette(), timeout=1)

    url = await dev.authorization_url(
        state="s", redirect_uri="https://local.example/cb", code_challenge="c", login_hint="ann"
    )

    assert url.startswith("https://local.example/dev-idp/authorize?")
    query = parse_qs(urlsplit(url).query)
    assert query["login_hint"] == ["ann"] and query["code_challenge_method"] == ["S256"]
