from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

import asyncpg
from sqlalchemy import exc

from apps.auth.domain.errors import (
    AlreadyLinked,
    DomainError,
    StorageUnavailable,
    UserAlreadyExists,
)
from apps.auth.infrastructure.persistence_postgres.tables import (
    IDENTITY_CONSTRAINT,
    USERS_PRIMARY_KEY,
)

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# Errors that mean "the database did not answer in time or the connection is gone";
# the request may succeed when retried, so callers see StorageUnavailable (503).
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    exc.DisconnectionError,
    exc.PendingRollbackError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # The driver's connection state went wrong under it: seen when the server ends a pooled
    # connection between two statements and the next one is sent before the close is read.
    asyncpg.InternalClientError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.TransactionRollbackError,
    asyncpg.LockNotAvailableError,
)
_DRIVER_ERRORS = (exc.SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, *_UNAVAILABLE)


class UnexpectedStorageError(RuntimeError):
    """A database error that is neither an outage nor a known conflict: a bug, reported as 500."""


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        pending.extend([current.__cause__, orig if isinstance(orig, BaseException) else None])


def _violated_constraint(error: BaseException) -> str | None:
    for cause in _causes(error):
        name = getattr(cause, "constraint_name", None)
        if isinstance(name, str):
            return name
    return None


def _is_unavailable(error: BaseException) -> bool:
    for cause in _causes(error):
        if isinstance(cause, exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _UNAVAILABLE):
            return True
    return False


def translate(error: BaseException) -> Exception:
    """The exception an adapter raises instead of a driver error."""
    if isinstance(error, exc.IntegrityError):
        constraint = _violated_constraint(error)
        if constraint == IDENTITY_CONSTRAINT:
            return AlreadyLinked()
        if constraint == USERS_PRIMARY_KEY:
            return UserAlreadyExists()
    if _is_unavailable(error):
        logger.warning("postgres unavailable: %s", type(error).__name__)
        return StorageUnavailable()
    return UnexpectedStorageError(f"postgres operation failed: {type(error).__name__}")


@asynccontextmanager
async def storage_errors() -> AsyncIterator[None]:
    try:
        yield
    except DomainError:
        raise
    except _DRIVER_ERRORS as error:
        raise translate(error) from error


def translate_errors(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        async with storage_errors():
            return await method(*args, **kwargs)

    return wrapper
