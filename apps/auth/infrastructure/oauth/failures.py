"""Every way a provider call can fail, turned into `OAuthProviderError`.

Messages name the provider, the endpoint and the HTTP status or the provider's error code,
never the authorization code, tokens, client secret or anything else the provider sent:
they end up in logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Mapping

import httpx
from httpx_oauth.oauth2 import OAuth2RequestError

from apps.auth.domain.errors import OAuthProviderError
from apps.auth.infrastructure.oauth.http_client import ResponseRefused
from apps.auth.infrastructure.oauth.json_body import MalformedBody, parse_object

_SAFE_ERROR_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


@contextlib.asynccontextmanager
async def provider_call(provider: str, stage: str, seconds: float) -> AsyncIterator[None]:
    """One outbound call with a deadline for the whole exchange, however slowly bytes drip."""
    where = f"{provider} {stage} endpoint"
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise OAuthProviderError(f"{where} timed out") from None
    except OAuth2RequestError as error:
        raise OAuthProviderError(f"{where} {_request_failure(error)}") from None
    except httpx.HTTPError as error:
        raise OAuthProviderError(f"{where} {_transport_failure(error)}") from None
    except (ValueError, TypeError):
        # httpx-oauth converts `expires_in`/`expires_at` with int(); hostile values end here.
        raise OAuthProviderError(f"{where} answered fields of the wrong type") from None


def describe(outcome: str, body: object) -> str:
    code = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(code, str) and _SAFE_ERROR_CODE.fullmatch(code):
        return f"{outcome} error {code}"
    return outcome


def error_body(response: httpx.Response) -> object:
    try:
        return parse_object(response.content)
    except (MalformedBody, httpx.ResponseNotRead):
        return None


def _request_failure(error: OAuth2RequestError) -> str:
    response = error.response
    if response is not None and response.is_error:
        return describe(f"answered HTTP {response.status_code}", error_body(response))
    if response is not None:
        return f"answered malformed JSON ({error.message})"
    cause = error.__cause__
    return _transport_failure(cause) if isinstance(cause, httpx.HTTPError) else "failed"


def _transport_failure(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, ResponseRefused):
        return f"answer refused: {error}"
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return "is invalid"
    return "could not be reached"
