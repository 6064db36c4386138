from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from redis.exceptions import (
    BusyLoadingError,
    ConnectionError,
    ResponseError,
    TimeoutError,
)

from apps.auth.domain.errors import StorageUnavailable

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger("auth.redis")

_UNAVAILABLE = (ConnectionError, TimeoutError, BusyLoadingError, OSError)
# A reply of a shape or value the adapter does not expect (a key of another type written by
# someone else, a field that is not a number) is Redis's state, not the caller's input.
_UNEXPECTED_REPLY = (ValueError, TypeError, IndexError, KeyError, AttributeError)


def redis_call(
    func: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Turns every way Redis can fail a command into the one storage error the API reports
    (503): unreachable, read-only after a failover, out of memory, too few replicas, a key of
    the wrong type, an error from a script, or a reply the adapter cannot read. The cause is
    logged; what a script wrote before failing is stated in `lua.py`."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await func(*args, **kwargs)
        except _UNAVAILABLE as exc:
            raise StorageUnavailable("Redis is unavailable") from exc
        except ResponseError as exc:
            # READONLY (a demoted primary), OOM, NOREPLICAS, WRONGTYPE, a script's own error.
            _log(func, exc)
            raise StorageUnavailable("Redis refused the command") from exc
        except _UNEXPECTED_REPLY as exc:
            _log(func, exc)
            raise StorageUnavailable("Redis gave an unexpected reply") from exc

    return wrapper


def _log(func: Callable[..., Any], exc: BaseException) -> None:
    logger.error(
        "redis %s failed: %s: %s",
        func.__qualname__,
        type(exc).__name__,
        str(exc)[:300],
        extra={"cause": type(exc).__name__},
    )
