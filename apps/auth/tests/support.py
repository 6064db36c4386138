from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from apps.auth.setup.settings import Settings

BASE_URL = "http://testserver"
REDIS_URL = "redis://127.0.0.1:6379/0"
API = "/api/v1/auth"


@dataclass
class TestApp:
    __test__ = False
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @asynccontextmanager
    async def database(self) -> AsyncIterator[AsyncSession]:
        """A session on the app's own database, for reading what the app wrote."""
        assert self.settings.database_url, "this app runs on embedded storage"
        engine = create_async_engine(self.settings.database_url)
        try:
            async with AsyncSession(engine) as session:
                yield session
        finally:
            await engine.dispose()

    async def post_once(self, path: str, **kwargs: Any) -> httpx.Response:
        """A request from a client with no cookie jar: only what the call passes is sent."""
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return await client.post(path, **kwargs)


@dataclass
class LoggedIn:
    access: str
    refresh: str
    location: str

    @property
    def claims(self) -> dict[str, Any]:
        return token_payload(self.access)


def token_payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def start_login(
    client: httpx.AsyncClient, provider: str = "dev", **params: str
) -> httpx.Response:
    return await client.get(f"{API}/{provider}/authorize", params={"redirect": "true", **params})


async def dev_login(client: httpx.AsyncClient, name: str | None = None, **params: str) -> LoggedIn:
    """The whole browser dance through the built-in dev provider, cookies kept by the client."""
    name = name or f"user-{uuid.uuid4().hex[:10]}"
    started = await start_login(client, login_hint=name, **params)
    assert started.status_code == 302, started.text
    at_idp = await client.get(path_of(started.headers["location"]))
    assert at_idp.status_code == 302, at_idp.text
    callback = await client.get(path_of(at_idp.headers["location"]))
    assert callback.status_code == 302, callback.text
    assert "#/home" in callback.headers["location"], callback.headers["location"]
    return LoggedIn(
        access=callback.cookies["s_access"],
        refresh=callback.cookies["s_refresh"],
        location=callback.headers["location"],
    )


def callback_params(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refresh_header(token: str) -> dict[str, str]:
    return {"X-Refresh-Token": f"Bearer {token}"}


async def audit_events(test_app: TestApp, user_id: str) -> list[str]:
    from sqlalchemy import text

    await test_app.runtime.storage.flush_audit()
    async with test_app.database() as session:
        rows = await session.execute(
            text("SELECT event FROM auth.login_audits WHERE user_id = :u ORDER BY issued_at"),
            {"u": user_id},
        )
        return [row[0] for row in rows]
