from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from redis.exceptions import BusyLoadingError, ConnectionError, ReadOnlyError, TimeoutError

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

    return wrapper
