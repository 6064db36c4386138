from __future__ import annotations

from redis.asyncio.connection import ConnectionPool
from redis.asyncio.sentinel import SentinelConnectionPool

from apps.auth_relay.setup.redis_client import redis_client
from apps.auth_relay.setup.settings import RelaySettings


def _settings(**values: object) -> RelaySettings:
    return RelaySettings.model_validate(values)


def test_direct_client_from_the_url_when_no_sentinel_is_set() -> None:
    client = redis_client(_settings(redis_url="redis://:pw@cache.internal:6380/4"))

    pool = client.connection_pool
    assert type(pool) is ConnectionPool
    kwargs = pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == (
        "cache.internal",
        6380,
        4,
        "pw",
    )
    assert kwargs["retry"].get_retries() == 0


def test_sentinel_backed_client_with_the_url_credentials_when_sentinels_are_set() -> None:
    client = redis_client(
        _settings(
            redis_url="redis://relay:s3cret@ignored:6379/3",
            redis_sentinels=["rfs-a:26379", "rfs-b:26380"],
            redis_sentinel_master="mymaster",
        )
    )

    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    assert pool.service_name == "mymaster" and pool.is_master
    kwargs = pool.connection_kwargs
    assert (kwargs["db"], kwargs["username"], kwargs["password"]) == (3, "relay", "s3cret")
    assert "host" not in kwargs and kwargs["retry"].get_retries() == 0
    sentinels = pool.sentinel_manager.sentinels
    addresses = [s.connection_pool.connection_kwargs for s in sentinels]
    assert [(a["host"], a["port"]) for a in addresses] == [("rfs-a", 26379), ("rfs-b", 26380)]
    assert all(a.get("password") is None for a in addresses)
