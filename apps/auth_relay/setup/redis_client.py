from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff

from apps.auth_relay.setup.settings import RelaySettings

# From the URL only what names the master's database and account; the sentinels give the address.
_MASTER_KEYS = ("db", "username", "password")


def redis_client(settings: RelaySettings) -> Redis:
    """A client of the outbox's Redis: direct from the URL, or the master the sentinels name.

    Commands are not retried by the client: the worker backs off and logs the outage once.
    """
    options: dict[str, Any] = {
        "socket_timeout": settings.block_ms / 1000 + settings.connect_timeout_seconds,
        "socket_connect_timeout": settings.connect_timeout_seconds,
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 30,
    }
    if not settings.redis_sentinels or settings.redis_sentinel_master is None:
        return Redis.from_url(settings.redis_url, **options)
    from_url: dict[str, Any] = dict(parse_url(settings.redis_url))
    master = {key: from_url[key] for key in _MASTER_KEYS if key in from_url}
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        [_address(each) for each in settings.redis_sentinels],
        sentinel_kwargs={
            "socket_timeout": settings.connect_timeout_seconds,
            "socket_connect_timeout": settings.connect_timeout_seconds,
        },
    )
    client: Redis = sentinel.master_for(
        settings.redis_sentinel_master,
        ssl=settings.redis_url.startswith("rediss://"),
        **master,
        **options,
    )
    return client


def _address(sentinel: str) -> tuple[str, int]:
    host, _, port = sentinel.rpartition(":")
    return host.strip("[]"), int(port)
