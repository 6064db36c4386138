from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from apps.auth_relay.setup.runner import RelayApp
from apps.auth_relay.tests.events import event_fields
from apps.auth_relay.tests.integration.conftest import Inbox, Names, closed_port, relay_settings
from apps.auth_relay.tests.integration.redis_servers import (
    MASTER,
    PASSWORD,
    fail_over,
    master_replica_sentinel,
)
from apps.auth_relay.tests.integration.relay_running import running


def _through_sentinel(names: Names, sentinel_port: int) -> RelayApp:
    # The URL's host and port lead nowhere: only its password and db number are used.
    url = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/2"
    return RelayApp(
        settings=relay_settings(
            names,
            redis_url=url,
            redis_sentinels=[f"127.0.0.1:{sentinel_port}"],
            redis_sentinel_master=MASTER,
        )
    )


async def _write(port: int, names: Names, count: int) -> list[str]:
    client = Redis(port=port, password=PASSWORD, db=2)
    try:
        ids = [(await client.xadd(names.stream, event_fields())).decode() for _ in range(count)]
        await client.wait(1, 5000)  # on the replica too before anything fails over
    finally:
        await client.aclose()
    return ids


async def _pending(port: int, names: Names) -> int:
    client = Redis(port=port, password=PASSWORD, db=2)
    try:
        return int((await client.xpending(names.stream, names.group))["pending"])
    finally:
        await client.aclose()


async def test_relays_through_the_master_the_sentinel_names_when_sentinels_are_set(
    tmp_path: Path, names: Names, inbox: Inbox
) -> None:
    async with master_replica_sentinel(tmp_path) as ports:
        written = await _write(ports.master_port, names, 20)
        app = _through_sentinel(names, ports.sentinel_port)
        async with running(app):
            await inbox.wait_for_ids(set(written))
            ready = await app.is_ready()
        pending = await _pending(ports.master_port, names)

    assert inbox.message_ids() == written
    assert ready and pending == 0


@pytest.mark.slow
async def test_relaying_goes_on_with_the_new_master_when_the_sentinel_fails_over(
    tmp_path: Path, names: Names, inbox: Inbox
) -> None:
    async with master_replica_sentinel(tmp_path) as ports:
        before = await _write(ports.master_port, names, 10)
        async with running(_through_sentinel(names, ports.sentinel_port)):
            await inbox.wait_for_ids(set(before))
            promoted = await fail_over(ports.sentinel_port)
            after = await _write(promoted, names, 10)
            await inbox.wait_for_ids(set(after), seconds=30)
        pending = await _pending(promoted, names)

    assert promoted == ports.replica_port
    assert set(before + after) <= set(inbox.message_ids())
    assert pending == 0
