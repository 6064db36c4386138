from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request

from apps.auth.application.token.verify import ValidateTokenRequest
from apps.auth.domain.errors import RateLimited
from apps.auth.domain.token import TokenClaims
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.request_context import request_facts


async def current_claims(request: Request) -> TokenClaims:
    query = api_of(request).services.validate_token
    return await query.execute(ValidateTokenRequest(token=request_facts(request).access_token))


async def limit_client(request: Request, bucket: str) -> None:
    """Counts the request against the client IP's budget for `bucket`; 429 when exceeded."""
    api = api_of(request)
    config = api.config
    limit = getattr(config, f"rate_{bucket}")
    if not limit:
        return
    ip = request_facts(request).client.ip or "unknown"
    wait = await api.services.limiter.hit(f"{bucket}:ip:{ip}", limit, config.rate_window_seconds)
    if wait is not None:
        raise RateLimited(wait)


def rate_limited(bucket: str) -> Callable[..., Any]:
    async def dependency(request: Request) -> None:
        await limit_client(request, bucket)

    return dependency
