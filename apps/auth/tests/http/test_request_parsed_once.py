"""The HTTP layer reads a request's credentials and client facts once, whatever reads them."""

from __future__ import annotations

import pytest
from fastapi import Request

from apps.auth.presentation.http import request_context
from apps.auth.presentation.http.request_context import RequestFacts
from apps.auth.tests.support import API, bearer, dev_login, refresh_header


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[RequestFacts]:
    """Every parse of a request, recorded as it happens."""
    seen: list[RequestFacts] = []
    parse = request_context.parse_request

    def counted(request: Request) -> RequestFacts:
        seen.append(parse(request))
        return seen[-1]

    monkeypatch.setattr(request_context, "parse_request", counted)
    return seen


async def test_refresh_parses_the_request_once_when_checks_limit_and_use_case_all_read_it(
    api, parses
):
    logged = await dev_login(api.client)
    api.client.cookies.clear()
    parses.clear()
    response = await api.client.post(
        f"{API}/refresh",
        headers={**refresh_header(logged.refresh), "User-Agent": "ua-1", "Origin": "http://x"},
    )
    # Cross-site check, per-IP limit and the use case's client and token: one parse.
    assert response.status_code == 403 and response.json()["code"] == "CROSS_SITE_REQUEST"
    assert len(parses) == 1
    parses.clear()
    response = await api.client.post(
        f"{API}/refresh", headers={**refresh_header(logged.refresh), "User-Agent": "ua-2"}
    )
    assert response.status_code == 201
    assert len(parses) == 1
    assert parses[0].refresh_token == logged.refresh
    assert parses[0].client.user_agent == "ua-2"


async def test_logout_and_verify_parse_once_per_request_when_several_dependencies_read(api, parses):
    logged = await dev_login(api.client)
    parses.clear()
    assert (await api.client.get(f"{API}/verify", headers=bearer(logged.access))).status_code == 200
    assert len(parses) == 1 and parses[0].access_token == logged.access
    parses.clear()
    response = await api.client.post(f"{API}/logout")
    assert response.status_code == 200
    assert len(parses) == 1
    assert parses[0].access_token == logged.access and parses[0].refresh_token == logged.refresh
