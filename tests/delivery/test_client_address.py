"""The trusted-hop count of the overlays, through the real app, with the header chain the
platform delivers: the ALB appends the client's address, istio-ingressgateway appends the
ALB's, and the sidecar hands the request to the app from 127.0.0.6 without appending."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from apps.auth.setup.app_factory import create_app
from apps.auth.setup.settings import Settings
from apps.auth.tests.support import API, BASE_URL, dev_login
from tests.delivery import platform
from tests.delivery.manifests import API_OVERLAYS, configmap_data, render

CLIENT = "198.51.100.7"
ALB = "10.0.1.23"
SIDECAR = "127.0.0.6"


def _hops(overlay: str) -> int:
    return int(configmap_data(render(overlay))["AUTH_TRUSTED_PROXY_HOPS"])


@pytest_asyncio.fixture(params=API_OVERLAYS)
async def app(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="test",
        enabled_providers="dev",
        public_base_url=BASE_URL,
        frontend_origins="https://app.eco2.test",
        trusted_proxy_hops=_hops(request.param),
    )
    built = create_app(settings)
    try:
        yield built
    finally:
        await built.state.runtime.aclose()


def _forwarded_for(sent_by_client: list[str]) -> str:
    """X-Forwarded-For as the app receives it: what the client sent, then ALB, then gateway."""
    return ", ".join([*sent_by_client, CLIENT, ALB])


async def _session_ip(app, sent_by_client: list[str]) -> str:
    transport = httpx.ASGITransport(app=app, client=(SIDECAR, 40000))
    headers = {"X-Forwarded-For": _forwarded_for(sent_by_client)}
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE_URL, headers=headers
    ) as browser:
        await dev_login(browser)
        listed = await browser.get(f"{API}/sessions")
    assert listed.status_code == 200, listed.text
    [session] = listed.json()["sessions"]
    return str(session["ip"])


def test_overlays_trust_exactly_the_proxies_that_append_forwarded_for():
    for overlay in API_OVERLAYS:
        assert _hops(overlay) == len(platform.PROXIES_APPENDING_FORWARDED_FOR), overlay


async def test_session_records_the_real_client_when_it_sends_no_forwarded_for(app):
    assert await _session_ip(app, []) == CLIENT


@pytest.mark.parametrize("spoofed", [["203.0.113.66"], ["203.0.113.66", "10.0.0.1"]])
async def test_spoofed_left_most_entries_are_ignored_when_the_client_forges_them(app, spoofed):
    assert await _session_ip(app, spoofed) == CLIENT
