"""The auth API's Redis client: one server named by a URL, or the primary that Sentinels name.

With Sentinels, the URL still carries the database number, the credentials and TLS (`rediss://`
and its `ssl_*` query options); its host and port are not used. Sentinels themselves are
reached without password or TLS, as the Spotahome operator deploys them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

from redis.asyncio import Redis, SSLConnection
from redis.asyncio.connection import parse_url
from redis.asyncio.sentinel import Sentinel

from apps.auth.domain.errors import ConfigurationError

_SOCKETS: dict[str, Any] = {"socket_timeout": 2.0, "socket_connect_timeout": 2.0}
_HEALTH_CHECK_SECONDS = 30


def sentinel_address(text: str) -> tuple[str, int]:
    """`host:port` (or `[v6]:port`) of one Sentinel; ValueError says what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"AUTH_REDIS_SENTINELS: {text!r} is not host:port")
    return host, int(port)


def open_redis(
    url: str,
    *,
    sentinels: Sequence[str] = (),
    master: str | None = None,
    resources: AsyncExitStack,
) -> Redis:
    """The client every Redis adapter shares; what it opens is closed with `resources`."""
    if not sentinels:
        single = Redis.from_url(url, health_check_interval=_HEALTH_CHECK_SECONDS, **_SOCKETS)
        resources.push_async_callback(single.aclose)
        return single
    if not master:
        raise ConfigurationError("AUTH_REDIS_SENTINEL_MASTER is required with Sentinels")
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        [sentinel_address(s) for s in sentinels], sentinel_kwargs=dict(_SOCKETS), **_SOCKETS
    )
    resources.push_async_callback(sentinel.aclose)
    client: Redis = sentinel.master_for(
        master, health_check_interval=_HEALTH_CHECK_SECONDS, **_url_options(url)
    )
    resources.push_async_callback(client.aclose)
    return client


def _url_options(url: str) -> dict[str, Any]:
    """What the URL says besides where the server is, as keyword arguments of a connection."""
    options: dict[str, Any] = dict(parse_url(url))
    if "path" in options:
        raise ConfigurationError("AUTH_REDIS_URL: a unix socket URL cannot be used with Sentinels")
    options.pop("host", None)
    options.pop("port", None)
    if options.pop("connection_class", None) is SSLConnection:
        options["ssl"] = True
    return options
