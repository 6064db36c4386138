"""The Redis client built from settings: by URL, or through Sentinel with the URL's db,
credentials and TLS; and the settings that choose between them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from apps.auth.domain.errors import ConfigurationError
from apps.auth.infrastructure.persistence_redis.connection import open_redis, sentinel_address
from apps.auth.setup.settings import Settings
from apps.auth.tests.integration.redis_topology import MASTER, Topology, wait_until

PASSWORD = "topology-secret-3f9c"


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    servers = Topology(tmp_path / "redis", password=PASSWORD)
    try:
        servers.start()
        yield servers
    finally:
        servers.kill()


@pytest_asyncio.fixture
async def resources() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as stack:
        yield stack


def _sentinel_client(topology: Topology, resources: AsyncExitStack, db: int) -> Redis:
    return open_redis(
        f"redis://:{PASSWORD}@{MASTER}/{db}",
        sentinels=[topology.sentinel_address],
        master=MASTER,
        resources=resources,
    )


async def test_client_uses_the_url_server_and_db_when_no_sentinel_is_set(
    topology: Topology, resources: AsyncExitStack
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{topology.primary.port}/5"
    client = open_redis(url, resources=resources)

    await client.set("auth:test:url", "one")

    with topology.primary.client() as direct:
        assert direct.execute_command("SELECT", 5) and direct.get("auth:test:url") == b"one"


async def test_client_writes_to_the_primary_sentinel_names_with_db_and_password_from_url(
    topology: Topology, resources: AsyncExitStack
) -> None:
    client = _sentinel_client(topology, resources, db=4)

    await client.set("auth:test:sentinel", "two")

    connection = await client.connection_pool.get_connection()
    assert (connection.host, connection.port) == ("127.0.0.1", topology.primary.port)
    await client.connection_pool.release(connection)
    with topology.primary.client() as direct:
        assert direct.execute_command("SELECT", 4) and direct.get("auth:test:sentinel") == b"two"
        assert direct.execute_command("SELECT", 0) and direct.get("auth:test:sentinel") is None


async def test_client_follows_the_promoted_replica_when_sentinel_fails_over(
    topology: Topology, resources: AsyncExitStack
) -> None:
    client = _sentinel_client(topology, resources, db=0)
    await client.set("auth:test:before", "1")
    assert topology.replica is not None
    promoted = topology.replica.port

    with topology.sentinel.client() as sentinel:
        assert sentinel.execute_command("SENTINEL", "FAILOVER", MASTER)
    wait_until(lambda: topology.sentinel.current_primary() == promoted, "the promotion")
    wait_until(lambda: topology.primary.info("replication")["role"] == "slave", "the demotion")
    errors = await _write_until_accepted(client, "auth:test:after")

    with topology.replica.client() as new_primary:
        assert new_primary.get("auth:test:after") == b"ok"
        assert new_primary.get("auth:test:before") == b"1"
    assert errors <= 1, "only the pooled connection to the demoted primary may fail, once"


async def _write_until_accepted(client: Redis, key: str) -> int:
    errors = 0
    for _ in range(20):
        try:
            await client.set(key, "ok")
            return errors
        except RedisConnectionError:
            errors += 1
    raise AssertionError("the client never reached the new primary")


def test_unix_socket_url_is_refused_when_sentinels_are_set(resources: AsyncExitStack) -> None:
    with pytest.raises(ConfigurationError, match="unix socket"):
        open_redis(
            "unix:///run/redis.sock?db=1",
            sentinels=["127.0.0.1:26379"],
            master=MASTER,
            resources=resources,
        )


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("rfs-auth-redis.redis.svc:26379", ("rfs-auth-redis.redis.svc", 26379)),
        ("[::1]:1", ("::1", 1)),
    ],
)
def test_sentinel_address_parses_when_host_and_port_are_given(
    text: str, address: tuple[str, int]
) -> None:
    assert sentinel_address(text) == address


def _settings(**values: Any) -> Settings:
    return Settings(environment="test", **values)


@pytest.mark.parametrize("bad", ["redis-sentinel", "host:", ":26379", "host:0", "host:65536"])
def test_settings_refuse_a_sentinel_when_it_is_not_host_and_port(bad: str) -> None:
    with pytest.raises(ValidationError, match="not host:port"):
        _settings(
            redis_url="redis://mymaster/0",
            redis_sentinels=f"127.0.0.1:26379,{bad}",
            redis_sentinel_master=MASTER,
        )


@pytest.mark.parametrize(
    "values",
    [
        {"redis_url": "redis://m/0", "redis_sentinels": "127.0.0.1:26379"},
        {"redis_url": "redis://m/0", "redis_sentinel_master": MASTER},
        {"redis_sentinels": "127.0.0.1:26379", "redis_sentinel_master": MASTER},
    ],
    ids=["sentinels-without-master", "master-without-sentinels", "sentinels-without-url"],
)
def test_settings_refuse_when_the_sentinel_trio_is_incomplete(values: dict[str, Any]) -> None:
    with pytest.raises((ConfigurationError, ValidationError), match="AUTH_REDIS_"):
        _settings(**values)


def test_settings_read_sentinels_from_the_environment_when_all_three_are_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AUTH_REDIS_URL", f"rediss://:{uuid.uuid4().hex}@mymaster/3")
    monkeypatch.setenv("AUTH_REDIS_SENTINELS", "s1.redis:26379, s2.redis:26379")
    monkeypatch.setenv("AUTH_REDIS_SENTINEL_MASTER", MASTER)
    monkeypatch.setenv("AUTH_REDIS_REPLICA_WAIT_MS", "0")

    settings = _settings()

    assert settings.redis_sentinels == ["s1.redis:26379", "s2.redis:26379"]
    assert settings.redis_sentinel_master == MASTER
    assert settings.redis_replica_wait_ms == 0


def test_settings_refuse_a_replica_wait_when_it_would_outlast_the_socket_timeout() -> None:
    with pytest.raises(ValidationError, match="redis_replica_wait_ms"):
        _settings(redis_replica_wait_ms=2000)


def test_tls_url_makes_sentinel_connections_use_tls_when_scheme_is_rediss(
    resources: AsyncExitStack,
) -> None:
    client = open_redis(
        f"rediss://app:{PASSWORD}@{MASTER}/2?ssl_cert_reqs=none",
        sentinels=["127.0.0.1:26379"],
        master=MASTER,
        resources=resources,
    )

    pool: Any = client.connection_pool
    assert pool.connection_class.__name__ == "SentinelManagedSSLConnection"
    assert pool.connection_kwargs["username"] == "app"
    assert pool.connection_kwargs["password"] == PASSWORD
    assert pool.connection_kwargs["db"] == 2
