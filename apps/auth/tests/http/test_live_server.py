from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apps.auth.tests.integration.redis_server import free_port

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def live_server() -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AUTH_", "RELEASE"))
    }
    env |= {"AUTH_ENVIRONMENT": "local", "AUTH_PUBLIC_BASE_URL": base, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "apps.auth.setup.serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("uvicorn did not start")
        yield base
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode()
        assert "embedded mode" in output


async def test_browser_login_through_dev_provider_works_against_live_uvicorn(live_server):
    async with httpx.AsyncClient(base_url=live_server) as browser:
        start = await browser.get("/api/v1/auth/dev/authorize", params={"redirect": "true"})
        assert start.status_code == 302
        form_page = await browser.get(start.headers["location"])
        assert form_page.status_code == 200 and "<form" in form_page.text
        signed_in = await browser.post(
            "/dev-idp/authorize",
            data={**dict(httpx.URL(start.headers["location"]).params), "name": "carol"},
        )
        assert signed_in.status_code == 302, signed_in.text
        callback = await browser.get(signed_in.headers["location"])
        assert callback.status_code == 302
        assert callback.headers["location"].endswith("/#/home")
        set_cookies = callback.headers.get_list("set-cookie")
        assert any(c.startswith("s_access=") and "HttpOnly" in c for c in set_cookies)
        me = await browser.get("/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["nickname"] == "carol"
        assert me.headers["x-auth-release"] == "stable"
        assert len(me.headers["x-request-id"]) >= 16


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"AUTH_ENVIRONMENT": "prod"}, "AUTH_DATABASE_URL"),
        (
            {
                "AUTH_ENVIRONMENT": "dev",
                "AUTH_DATABASE_URL": "postgresql+asyncpg://db/auth",
                "AUTH_REDIS_URL": "redis://redis:6379/0",
                "AUTH_FRONTEND_ORIGINS": "https://app.eco2.test",
                "AUTH_COOKIE_DOMAIN": ".eco2.test",
            },
            "AUTH_KAKAO_CLIENT_ID",
        ),
        ({"AUTH_FRONTEND_ORIGINS": "https://app.eco2.test/path"}, "AUTH_FRONTEND_ORIGINS"),
        ({"AUTH_REDIS_URL": "redis://127.0.0.1:6379/0"}, "AUTH_DATABASE_URL"),
        ({"AUTH_JWT_ALGORITHM": "HS256"}, "AUTH_JWT_SECRET"),
    ],
)
def test_start_refused_with_a_line_naming_variable_when_config_incomplete(env, variable):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    result = subprocess.run(
        [sys.executable, "-c", "import apps.auth.setup.main"],
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("auth-api: configuration error: ") for line in lines), lines
    assert any(variable in line for line in lines), result.stderr
