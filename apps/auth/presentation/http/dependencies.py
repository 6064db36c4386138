from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

from fastapi import Depends, Request

from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.token.verify import ValidateTokenQuery, ValidateTokenRequest
from apps.auth.domain.errors import RateLimited
from apps.auth.domain.token import TokenClaims
from apps.auth.presentation.http.request_context import access_token, client_ip, config_of

T = TypeVar("T")


class InteractorProvider(Protocol):
    def app_scoped(self, kind: type[T]) -> T: ...

    def request_scoped(self, kind: type[T]) -> AbstractAsyncContextManager[T]: ...


def _provider(request: Request) -> InteractorProvider:
    provider: InteractorProvider = request.app.state.container
    return provider


def app_scoped(kind: type[T]) -> Callable[..., Awaitable[T]]:
    async def dependency(request: Request) -> T:
        return _provider(request).app_scoped(kind)

    return dependency


def request_scoped(kind: type[T]) -> Callable[..., AsyncIterator[T]]:
    async def dependency(request: Request) -> AsyncIterator[T]:
        async with _provider(request).request_scoped(kind) as interactor:
            yield interactor

    return dependency


async def current_claims(
    request: Request, query: ValidateTokenQuery = Depends(app_scoped(ValidateTokenQuery))
) -> TokenClaims:
    return await query.execute(ValidateTokenRequest(token=access_token(request)))


async def limit_client(request: Request, bucket: str) -> None:
    """Counts the request against the client IP's budget for `bucket`; 429 when exceeded."""
    config = config_of(request)
    limit = getattr(config, f"rate_{bucket}")
    if not limit:
        return
    # A port is a Protocol; mypy refuses those as type[T] arguments (python/mypy#4717).
    limiter = _provider(request).app_scoped(RateLimiter)  # type: ignore[type-abstract]
    ip = client_ip(request, config.trusted_proxy_hops) or "unknown"
    wait = await limiter.hit(f"{bucket}:ip:{ip}", limit, config.rate_window_seconds)
    if wait is not None:
        raise RateLimited(wait)


def rate_limited(bucket: str) -> Callable[..., Any]:
    async def dependency(request: Request) -> None:
        await limit_client(request, bucket)

    return dependency
