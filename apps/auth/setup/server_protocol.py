"""uvicorn's httptools protocol with a bound on the size and the read time of a request head.

httptools assembles a header value by concatenating every fragment it receives, so one header of
tens of MiB costs quadratic time on the event loop, stalling every other connection; and uvicorn
arms no timer before the first request completes, so a client that never finishes its headers
holds its connection forever. This protocol counts the bytes of each request line and header
block and answers 431 once they exceed `max_head_bytes`, and closes a connection whose head is
not complete `head_timeout` seconds after the server started waiting for it. Parsing stays
httptools'; only byte counts and one timer per waiting connection are added.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

logger = logging.getLogger("auth.server")
# Envoy's default request-header limit is 60 KiB: anything the mesh forwards fits.
MAX_HEAD_BYTES = 64 * 1024
HEAD_TIMEOUT_SECONDS = 5.0
_SECURITY_HEADERS = b"x-content-type-options: nosniff\r\ncache-control: no-store\r\n"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = MAX_HEAD_BYTES
    head_timeout = HEAD_TIMEOUT_SECONDS

    _head_pending = False
    _head_bytes = 0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._head_pending:
            self._head_bytes += len(data)
        # The chunk is parsed first: it may end the head and carry a body that must not count.
        super().data_received(data)
        too_large = self._head_pending and self._head_bytes > self.max_head_bytes
        if too_large and not self.transport.is_closing():
            logger.warning("request head too large", extra={"bytes": self._head_bytes})
            self._refuse(431, "HEADERS_TOO_LARGE", "Request line and headers are too large")

    def on_headers_complete(self) -> None:
        self._head_pending = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._await_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._head_pending and not self.pipeline and not self.transport.is_closing():
            self._arm()

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "BAD_REQUEST", msg)

    def _await_head(self) -> None:
        self._head_pending = True
        self._head_bytes = 0
        # While a response is still being produced the head timer would cut it short; it is
        # armed when that response completes instead.
        if self.cycle is None or self.cycle.response_complete:
            self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._head_pending or self.transport.is_closing():
            return
        if self._head_bytes:
            self._refuse(408, "REQUEST_TIMEOUT", "Request headers were not received in time")
        else:
            self.transport.close()

    def _refuse(self, status: int, code: str, detail: str) -> None:
        """Answers in the API's error format and closes: the rest of the stream is unreadable."""
        self._head_pending = False
        self._disarm()
        body = orjson.dumps({"code": code, "detail": detail})
        self.transport.write(
            STATUS_LINE[status]
            + b"content-type: application/json\r\n"
            + _SECURITY_HEADERS
            + b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body)
            + body
        )
        self.transport.close()
