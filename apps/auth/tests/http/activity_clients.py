"""Browsers of one test app, each with its own cookie jar, user agent and network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx

from apps.auth.tests.support import BASE_URL, TestApp

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
KAKAO = (
    "Mozilla/5.0 (Linux; Android 13; SM-S918N Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36;KAKAOTALK 2410450"
)


@asynccontextmanager
async def browsers(test_app: TestApp) -> AsyncIterator[Any]:
    """`open(user_agent, ip)` gives a client that sends them (the app trusts one proxy hop)."""
    async with AsyncExitStack() as stack:

        async def open_browser(user_agent: str, ip: str) -> httpx.AsyncClient:
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=test_app.app),
                base_url=BASE_URL,
                headers={"user-agent": user_agent, "x-forwarded-for": ip},
            )
            return await stack.enter_async_context(client)

        yield open_browser
