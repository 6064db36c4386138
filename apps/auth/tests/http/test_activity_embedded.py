"""The embedded profile: the same activity list and the same notices in its in-memory outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx

from apps.auth.setup.app_factory import create_app
from apps.auth.setup.settings import Settings
from apps.auth.setup.storage import EmbeddedData, embedded_storage
from apps.auth.tests.http.activity_clients import ANDROID, IPHONE, browsers
from apps.auth.tests.support import API, BASE_URL, TestApp, dev_login, refresh_header
from apps.auth_relay.application.entries import OutboxEntry, OutboxEvent, parse_entry


async def test_notices_in_the_memory_outbox_as_the_relay_reads_them_when_embedded(
    settings_factory: Callable[..., Settings],
) -> None:
    data = EmbeddedData()
    settings = settings_factory(embedded=True, trusted_proxy_hops=1)
    app = create_app(settings, storage=lambda s, c, r: embedded_storage(s, c, r, data))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
    test_app = TestApp(app=app, client=client, settings=settings)
    name = f"embedded-{uuid4().hex[:8]}"
    try:
        async with browsers(test_app) as open_browser:
            phone = await open_browser(IPHONE, "203.0.113.10")
            other = await open_browser(ANDROID, "198.51.100.7")
            await dev_login(phone, name=name)
            again = await dev_login(phone, name=name)
            assert data.tokens.outbox == []
            await dev_login(other, name=name)
            assert (await phone.post(f"{API}/refresh")).status_code == 201
            thief = await open_browser(ANDROID, "192.0.2.99")
            reused = await thief.post(f"{API}/refresh", headers=refresh_header(again.refresh))
            activity: dict[str, Any] = (await other.get(f"{API}/me/activity")).json()
    finally:
        await client.aclose()
        await app.state.runtime.aclose()

    parsed = [
        parse_entry(OutboxEntry(entry_id=f"1-{n}", fields={b"event": body}))
        for n, body in enumerate(data.tokens.outbox)
    ]
    topics = [p.topic for p in parsed if isinstance(p, OutboxEvent)]
    assert len(topics) == len(parsed)
    assert [t for t in topics if t] == ["auth.new_device_sign_in", "auth.session_compromised"]
    assert reused.status_code == 401
    assert [i["kind"] for i in activity["items"]][:1] == ["session_compromised"]
    assert sum(i["new_device"] for i in activity["items"]) == 1
