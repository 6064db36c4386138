"""A provider token call that never answers: the callback gives up within the configured
timeout, ends at the failure page with no token, audits the failure, and the next login works.

Two stalls: the fake Kakao accepting the request and never answering (`fail("token",
"stall")`), and a bare socket that accepts connections and never reads or writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from apps.auth.tests.conftest import FRONTEND
from apps.auth.tests.fakes.fake_provider import FakeProvider
from apps.auth.tests.support import API, TestApp

TIMEOUT = 0.5


@contextlib.asynccontextmanager
async def black_hole() -> AsyncIterator[str]:
    """A listener that accepts and then says nothing until the test ends."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in held:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


def _kakao(fake: FakeProvider, base_url: str) -> dict[str, Any]:
    return {
        "enabled_providers": "kakao",
        "kakao_client_id": fake.client_id,
        "kakao_client_secret": fake.client_secret,
        "kakao_base_url": base_url,
        "oauth_timeout_seconds": TIMEOUT,
    }


async def _callback(t: TestApp, fake: FakeProvider) -> tuple[Any, float]:
    started = await t.client.get(f"{API}/kakao/authorize")
    assert started.status_code == 200, started.text
    challenge = parse_qs(urlsplit(started.json()["authorization_url"]).query)["code_challenge"]
    code = fake.issue_code("kakao", code_challenge=challenge[0])
    began = time.monotonic()
    callback = await t.client.get(
        f"{API}/kakao/callback", params={"code": code, "state": started.json()["state"]}
    )
    return callback, time.monotonic() - began


async def _failure_audits(t: TestApp) -> list[tuple[str, str | None]]:
    async with t.database() as session:
        rows = await session.execute(
            text(
                "SELECT event, reason FROM auth.login_audits WHERE provider = 'kakao' "
                "AND user_id IS NULL"
            )
        )
        return [(row[0], row[1]) for row in rows]


@pytest.mark.parametrize("stall", ["provider_never_answers", "socket_never_answers"])
async def test_failure_redirect_within_timeout_and_audit_when_token_call_stalls(
    stall: str,
    app_factory: Callable[..., Any],
    fake_provider: FakeProvider,
    pg_engine: AsyncEngine,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        base_url = fake_provider.base_url
        if stall == "socket_never_answers":
            base_url = await stack.enter_async_context(black_hole())
        else:
            fake_provider.fail("token", "stall", provider="kakao")
        t = await stack.enter_async_context(app_factory(**_kakao(fake_provider, base_url)))

        callback, elapsed = await _callback(t, fake_provider)

        assert TIMEOUT * 0.8 <= elapsed < TIMEOUT * 4 + 1
        assert callback.status_code == 302
        assert callback.headers["location"] == f"{FRONTEND}/#/login?error=OAUTH_PROVIDER_ERROR"
        assert not {"s_access", "s_refresh"} & set(callback.cookies)
        assert await _failure_audits(t) == [("login_failure", "OAUTH_PROVIDER_ERROR")]

    fake_provider.reset()
    async with app_factory(**_kakao(fake_provider, fake_provider.base_url)) as t:
        recovered, _ = await _callback(t, fake_provider)
        assert recovered.headers["location"] == f"{FRONTEND}/#/home"
