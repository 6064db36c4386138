"""The pooled HTTP client each provider adapter owns, and the limits every answer meets.

A provider answer is read as a stream and refused past `MAX_BODY_BYTES`, whether or not it
declares a `Content-Length`. We ask for `identity` encoding and refuse any other: a compressed
body would be inflated by httpx after our byte count, so a small gzip could still grow huge.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import AsyncIterator, Callable

import httpx

MAX_BODY_BYTES = 1024 * 1024
_IDENTITY = frozenset({"", "identity"})


class ResponseRefused(httpx.HTTPError):
    """A provider answer we do not read: too large or in an encoding we did not ask for."""


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, *, inner: httpx.AsyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise ResponseRefused(f"answer is larger than {self._limit} bytes")
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport so that no response body beyond `limit` bytes is ever buffered."""

    def __init__(self, *, inner: httpx.AsyncBaseTransport, limit: int = MAX_BODY_BYTES) -> None:
        self._inner = inner
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        stream = response.stream
        problem = _refusal(response.headers, self._limit)
        if problem is not None or not isinstance(stream, httpx.AsyncByteStream):
            await response.aclose()
            raise ResponseRefused(problem or "answer has no asynchronous body")
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(inner=stream, limit=self._limit),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def _refusal(headers: httpx.Headers, limit: int) -> str | None:
    if headers.get("content-encoding", "").strip().lower() not in _IDENTITY:
        return "answer is compressed although identity was asked for"
    length = headers.get("content-length", "").strip()
    if length and (not length.isdigit() or int(length) > limit):
        return f"answer declares more than {limit} bytes"
    return None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~100 ms; one context serves every provider's client.
    return httpx.create_ssl_context()


def new_http_client(
    timeout: float, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """A keep-alive pool for one provider: no redirects followed, no retries, bounded answers."""
    inner = transport or httpx.AsyncHTTPTransport(verify=_tls_context(), retries=0)
    return httpx.AsyncClient(
        transport=CappedTransport(inner=inner),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"Accept": "application/json", "Accept-Encoding": "identity"},
    )


class HttpPool:
    """One provider's keep-alive connections, opened on first use.

    `aclose()` releases them; a later call opens a fresh pool, as the app's Redis and Postgres
    pools do after their close, so an app whose lifespan runs twice (test clients) still works.
    """

    def __init__(
        self, *, timeout: float, transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    ) -> None:
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            inner = self._transport() if self._transport else None
            self._client = new_http_client(self._timeout, inner)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
