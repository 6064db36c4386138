from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.integration.conftest import Inbox, Names, closed_port, relay_settings
from apps.auth_relay.tests.integration.redis_servers import MASTER, PASSWORD, master_and_sentinel
from apps.auth_relay.tests.integration.relay_running import running, until


async def test_relays_through_the_master_the_sentinel_names_when_sentinels_are_set(
    tmp_path: Path, names: Names, inbox: Inbox
) -> None:
    async with master_and_sentinel(tmp_path) as (port, sentinel_port):
        master = Redis(port=port, password=PASSWORD, db=2)
        written = [(await master.xadd(names.stream, event_fields())).decode() for _ in range(20)]
        # The URL's host and port lead nowhere: only its password and db number are used.
        url = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/2"
        app = RelayApp(
            relay_settings(
                names,
                redis_url=url,
                redis_sentinels=[f"127.0.0.1:{sentinel_port}"],
                redis_sentinel_master=MASTER,
            )
        )
        try:
            async with running(app):
                await inbox.wait_for_ids(set(written))
                assert await app.is_ready()
                await until(lambda: app.observer.relayed._value.get() == 20)
            pending = await master.xpending(names.stream, names.group)
        finally:
            await master.aclose()

    assert inbox.message_ids() == written
    assert pending["pending"] == 0
