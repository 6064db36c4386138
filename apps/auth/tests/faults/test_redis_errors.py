"""Redis answering with an error instead of a result: out of memory, read-only after a failover,
a key of another type, a stored field that is not a number. Every one is a 503 with the service's
error body and a logged cause, never a 500, and no revocation or rotation is half-applied."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from apps.auth.tests.integration.redis_server import RedisProcess, free_port
from apps.auth.tests.security.attack import client_for, live_sessions
from apps.auth.tests.support import API, bearer, dev_login, refresh_header, token_payload


def assert_unavailable(response, caplog, cause: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "STORAGE_UNAVAILABLE"
    causes = [r.getMessage() for r in caplog.records if r.name == "auth.redis"]
    assert any(cause in line for line in causes), causes


async def verify(api, token: str):
    async with client_for(api.app) as client:
        return await client.get(f"{API}/verify", headers=bearer(token))


async def nothing_revoked(api, redis: Redis, access: str) -> None:
    assert (await verify(api, access)).status_code == 200
    assert not await redis.exists(f"blacklist:{token_payload(access)['jti']}")
    # Notices (a new device signing in) share the stream; no revocation event may be there.
    events = [json.loads(f[b"event"]) for _, f in await redis.xrange(api.settings.outbox_stream)]
    assert [e for e in events if e["type"] == "add"] == []


async def test_logout_writes_nothing_and_answers_503_when_the_outbox_key_has_another_type(
    api, redis, caplog
):
    logged = await dev_login(api.client)
    await redis.set(api.settings.outbox_stream, "not a stream")

    with caplog.at_level(logging.ERROR, logger="auth.redis"):
        out = await api.client.post(f"{API}/logout")

    assert_unavailable(out, caplog, "WRONGTYPE")
    assert (await verify(api, logged.access)).status_code == 200
    assert not await redis.exists(f"blacklist:{token_payload(logged.access)['jti']}")
    await redis.delete(api.settings.outbox_stream)
    assert (await api.client.post(f"{API}/logout")).status_code == 200


async def test_logout_all_ends_no_session_when_one_session_holds_a_time_that_is_not_a_number(
    api, redis, caplog
):
    name = "garbled-session"
    phone = await dev_login(api.client, name)
    async with client_for(api.app) as other:
        laptop = await dev_login(other, name)
    user = token_payload(phone.access)["sub"]
    sessions = await live_sessions(redis, user)
    await redis.hset(f"auth:session:{token_payload(laptop.access)['sid']}", "aexp", "soon")

    with caplog.at_level(logging.ERROR, logger="auth.redis"):
        out = await api.client.post(f"{API}/logout-all", headers=bearer(phone.access))

    assert_unavailable(out, caplog, "BADFIELD")
    await nothing_revoked(api, redis, phone.access)
    assert await live_sessions(redis, user) == sessions
    assert not await redis.exists(f"auth:user-nbf:{user}")


async def test_refresh_keeps_the_session_and_answers_503_when_its_access_expiry_is_garbled(
    api, redis, caplog
):
    logged = await dev_login(api.client)
    key = f"auth:session:{token_payload(logged.access)['sid']}"
    kept = await redis.hget(key, "aexp")
    await redis.hset(key, "aexp", "soon")

    with caplog.at_level(logging.ERROR, logger="auth.redis"):
        async with client_for(api.app) as client:
            out = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))

    assert_unavailable(out, caplog, "BADFIELD")
    assert await redis.hget(key, "rjti") == token_payload(logged.refresh)["jti"].encode()
    await redis.hset(key, "aexp", kept)
    async with client_for(api.app) as client:
        again = await client.post(f"{API}/refresh", headers=refresh_header(logged.refresh))
    assert again.status_code == 201, again.text


async def test_verify_answers_503_when_the_not_before_record_holds_no_number(api, redis, caplog):
    logged = await dev_login(api.client)
    await redis.set(f"auth:user-nbf:{token_payload(logged.access)['sub']}", "yesterday", ex=60)

    with caplog.at_level(logging.ERROR, logger="auth.redis"):
        out = await verify(api, logged.access)

    assert_unavailable(out, caplog, "ValueError")


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path / "own")
    server.start()
    yield server
    server.kill()


def _out_of_memory(server: RedisProcess) -> Callable[[], None]:
    with server.client() as client:
        client.config_set("maxmemory", "1")

    def undo() -> None:
        with server.client() as client:
            client.config_set("maxmemory", "0")

    return undo


def _read_only(server: RedisProcess) -> Callable[[], None]:
    # A replica of a primary that is not there: what a client still connected to a demoted
    # primary meets after a failover.
    with server.client() as client:
        client.replicaof("127.0.0.1", free_port())

    def undo() -> None:
        with server.client() as client:
            client.replicaof("NO", "ONE")

    return undo


@pytest.mark.parametrize(
    ("fault", "cause"),
    [(_out_of_memory, "OutOfMemoryError"), (_read_only, "ReadOnlyError")],
    ids=["oom", "readonly"],
)
async def test_logout_answers_503_and_revokes_nothing_when_redis_refuses_writes(
    app_factory: Callable[..., Any], own_redis: RedisProcess, caplog, fault, cause: str
):
    async with app_factory(redis_url=f"redis://127.0.0.1:{own_redis.port}/0") as api:
        logged = await dev_login(api.client)
        undo = fault(own_redis)
        with caplog.at_level(logging.ERROR, logger="auth.redis"):
            out = await api.client.post(f"{API}/logout")
        assert_unavailable(out, caplog, cause)
        undo()
        own = Redis(port=own_redis.port)
        try:
            await nothing_revoked(api, own, logged.access)
        finally:
            await own.aclose()
        assert (await api.client.post(f"{API}/logout")).status_code == 200
