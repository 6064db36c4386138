from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from redis.exceptions import (
    BusyLoadingError,
    ConnectionError,
    ReadOnlyError,
    ResponseError,
    TimeoutError,
)

from apps.auth.domain.errors import StorageUnavailable

P = ParamSpec("P")
T = TypeVar("T")

_UNAVAILABLE = (ConnectionError, TimeoutError, BusyLoadingError, ReadOnlyError, OSError)


def redis_call(
    func: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turns every way Redis can be unreachable into the one storage error the API reports."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await func(*args, **kwargs)
        except _UNAVAILABLE as exc:
            raise StorageUnavailable("Redis is unavailable") from exc
        except ResponseError as exc:
            # A primary with `min-replicas-to-write` and too few replicas refuses every write.
            if str(exc).startswith("NOREPLICAS"):
                raise StorageUnavailable("Redis has too few replicas to write") from exc
            raise

    return wrapper
