"""v1's token cookies in real Chromium: the browser holds v1's `s_refresh` on `/` and v2's on
`/api/v1/auth` and sends both, the longer path first. An adopted v1 session keeps refreshing.

The grace window is off: had v2 acted once on v1's spent token, the session would have ended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from selenium import webdriver

from apps.auth.infrastructure.system import SystemClock
from apps.auth.tests.browser.chromium import chromium, service_in_process
from apps.auth.tests.cutover import v1_platform as v1
from apps.auth.tests.cutover.test_shared_sessions import PROFILE, v1_user
from apps.auth.tests.security.attack import live_sessions
from apps.auth.tests.support import API, token_payload

REFRESH_FROM_THE_PAGE = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {method: arguments[1]}).then(r => done(r.status), e => done(String(e)));
"""


def call(driver: webdriver.Chrome, method: str, path: str) -> Any:
    return driver.execute_async_script(REFRESH_FROM_THE_PAGE, path, method)


def refresh_cookies(driver: webdriver.Chrome) -> dict[str, str]:
    """Every `s_refresh` the browser holds, by path (the page's own view misses other paths)."""
    held = driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
    return {c["path"]: c["value"] for c in held if c["name"] == "s_refresh"}


async def test_adopted_v1_session_refreshes_three_times_in_chromium(
    app_factory: Callable[..., Any], redis: Any
) -> None:
    settings: dict[str, Any] = {**PROFILE, "refresh_grace_seconds": 0}
    async with app_factory(**settings) as api:
        user = await v1_user(api)
        stored = api.settings
    token = v1.mint(user, "refresh", ttl=v1.V1_REFRESH_SECONDS)
    await v1.register_refresh(redis, user, token)
    served = {
        **settings,
        "database_url": stored.database_url,
        "redis_url": stored.redis_url,
        "outbox_stream": stored.outbox_stream,
        "rate_limit_refresh_per_ip": 0,
        "rate_limit_refresh_per_user": 0,
    }

    with service_in_process(SystemClock(), **served) as base, chromium() as driver:
        driver.get(f"{base}/health")
        for name, value in (("s_refresh", token.value), ("s_access", v1.mint(user).value)):
            driver.add_cookie({"name": name, "value": value, "path": "/", "httpOnly": True})

        assert call(driver, "POST", f"{API}/refresh") == 201
        assert list(refresh_cookies(driver)) == [API], "v1's cookie expired by the answer"
        for _ in range(3):
            driver.add_cookie({"name": "s_refresh", "value": token.value, "path": "/"})
            assert set(refresh_cookies(driver)) == {"/", API}
            assert call(driver, "POST", f"{API}/refresh") == 201
        me = call(driver, "GET", f"{API}/me")
        current = refresh_cookies(driver)[API]

    assert me == 200
    assert await live_sessions(redis, str(user)) == [token_payload(current)["sid"]]
