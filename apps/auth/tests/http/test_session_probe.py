"""GET /session: a page learns whether it is signed in without a 401, and why not."""

from __future__ import annotations

import httpx
import pytest

from apps.auth.tests.support import API, BASE_URL, dev_login
from apps.auth.tests.unit.fakes import FrozenClock


async def _probe(client: httpx.AsyncClient, **kwargs) -> dict:
    answer = await client.get(f"{API}/session", **kwargs)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return dict(answer.json())


async def test_probe_says_signed_out_with_200_when_no_cookie_is_sent(embedded_api):
    assert await _probe(embedded_api.client) == {
        "signed_in": False,
        "code": "MISSING_TOKEN",
        "refreshable": False,
    }


async def test_probe_says_signed_in_when_the_access_cookie_is_live(embedded_api):
    await dev_login(embedded_api.client, "probe-live")

    assert await _probe(embedded_api.client) == {
        "signed_in": True,
        "code": None,
        "refreshable": True,
    }


async def test_probe_names_the_revocation_when_the_session_was_ended_on_another_device(
    embedded_api,
):
    mine = await dev_login(embedded_api.client, "probe-ended")
    transport = httpx.ASGITransport(app=embedded_api.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as other:
        await dev_login(other, "probe-ended")
        ended = await other.delete(f"{API}/sessions/{mine.claims['sid']}")
        assert ended.status_code == 200, ended.text

    assert await _probe(embedded_api.client) == {
        "signed_in": False,
        "code": "TOKEN_REVOKED",
        "refreshable": True,
    }


async def test_probe_says_expired_and_refreshable_when_time_passes(app_factory):
    clock = FrozenClock()
    async with app_factory(embedded=True, clock=clock) as api:
        await dev_login(api.client, "probe-expired")
        clock.advance(15 * 60 + 10 + 1)  # access lifetime + leeway + 1 s
        probed = await _probe(api.client)

    assert probed == {"signed_in": False, "code": "TOKEN_EXPIRED", "refreshable": True}


@pytest.mark.parametrize(
    "cookie",
    ["s_access=not-a-token", "s_access=a.b.c", "s_access=" + "x" * 3000],
    ids=["garbage", "three-parts", "long"],
)
async def test_probe_answers_invalid_token_without_error_when_the_cookie_is_forged(
    embedded_api, cookie
):
    probed = await _probe(embedded_api.client, headers={"Cookie": cookie})

    assert probed == {"signed_in": False, "code": "INVALID_TOKEN", "refreshable": False}


async def test_probe_refuses_a_refresh_token_in_the_access_cookie(embedded_api):
    logged = await dev_login(embedded_api.client, "probe-swapped")
    embedded_api.client.cookies.clear()

    probed = await _probe(embedded_api.client, headers={"Cookie": f"s_access={logged.refresh}"})

    assert probed["signed_in"] is False and probed["code"] == "TOKEN_TYPE_MISMATCH"
    assert logged.refresh not in str(probed) and logged.access not in str(probed)


async def test_probe_is_in_the_openapi_document(embedded_api):
    schema = (await embedded_api.client.get(f"{API}/openapi.json")).json()

    assert "get" in schema["paths"][f"{API}/session"]
