from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

REAL_PROVIDERS = ("kakao", "google", "naver")


def redirect_uri_for(name: str) -> str:
    return f"https://api.example.com/api/v1/auth/{name}/callback"


def query_of(url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}


async def follow_authorization(url: str) -> dict[str, str]:
    """Acts as the browser: visits the provider's page and returns the callback's query."""
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url)
    assert response.status_code == 302, response.text
    return query_of(response.headers["location"])
