"""The app under fuzzing, built on real Postgres and Redis, and a source of live credentials.

Shared by the in-suite schemathesis run and `benchmarks/fuzz.py`. Schemathesis serves every
ASGI app on one event loop of its own, so the app's Redis and Postgres pools stay on that loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from apps.auth.infrastructure.security.keys import generate_ec_private_pem
from apps.auth.setup.app_factory import API_PREFIX, create_app
from apps.auth.setup.settings import Settings

OPENAPI_PATH = f"{API_PREFIX}/openapi.json"
FRONTEND = "https://app.eco2.test"


def fuzz_settings(
    database_url: str | None, redis_url: str | None, signing_pem: str, stream: str
) -> Settings:
    return Settings(
        environment="test",
        public_base_url=f"http://{asgi.HOST}",
        frontend_origins=FRONTEND,
        enabled_providers="dev",
        outbox_stream=stream,
        rate_limit_authorize=0,
        rate_limit_callback=0,
        rate_limit_refresh_per_ip=0,
        rate_limit_refresh_per_user=0,
        jwt_private_key=signing_pem,
        jwt_key_id="fuzz-key-1",
        database_url=database_url,
        redis_url=redis_url,
    )


def fuzz_stream() -> str:
    return f"test:fuzz:outbox:{uuid.uuid4().hex}"


def build_app(settings: Settings) -> FastAPI:
    return create_app(settings)


def published_spec_app() -> FastAPI:
    """An embedded app, only to read the operations from; its spec equals the real one's."""
    return create_app(fuzz_settings(None, None, generate_ec_private_pem(), "fuzz:spec"))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Credentials:
    """Fresh dev-provider logins handed to generated cases, renewed every `uses` cases.

    Without them every protected operation would only ever see its 401 branch.
    """

    app: FastAPI
    uses: int = 4
    _left: int = 0
    _current: dict[str, str] = field(default_factory=dict)
    logins: int = 0
    cases: int = 0

    def headers(self) -> dict[str, str]:
        if self._left <= 0:
            self._current = self._login()
            self._left = self.uses
        self._left -= 1
        return dict(self._current)

    def _login(self) -> dict[str, str]:
        with asgi.get_client(self.app) as browser:
            started = browser.get(
                f"{API_PREFIX}/dev/authorize",
                params={"redirect": "true", "login_hint": f"fuzz-{uuid.uuid4().hex[:8]}"},
                allow_redirects=False,
            )
            at_idp = browser.get(_path(started.headers["location"]), allow_redirects=False)
            done = browser.get(_path(at_idp.headers["location"]), allow_redirects=False)
        assert done.status_code == 302 and "#/home" in done.headers["location"], done.text
        self.logins += 1
        return {
            "Authorization": f"Bearer {done.cookies['s_access']}",
            "X-Refresh-Token": f"Bearer {done.cookies['s_refresh']}",
        }


def with_credentials(case: Any, credentials: Credentials) -> None:
    """Every other case gets a live token pair, unless it already chose those headers itself."""
    credentials.cases += 1
    if credentials.cases % 2:
        return
    headers = dict(case.headers or {})
    for name, value in credentials.headers().items():
        headers.setdefault(name, value)
    case.headers = headers


def unprovable_checks(case: Any) -> list[Any]:
    """Checks a generated case cannot pass by construction. An activity cursor is valid only as
    issued to this account (a digest over it), which no schema can say, so a generated one is
    refused with 400 `CURSOR_INVALID`; every other check still applies (and
    `apps/auth/tests/http/test_activity_api.py` covers cursors one by one)."""
    if case.path == f"{API_PREFIX}/me/activity" and "cursor" in (case.query or {}):
        return [positive_data_acceptance]
    return []
