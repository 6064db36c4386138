"""uvicorn's httptools protocol with bounds on a request's head and on the whole request.

httptools assembles a header value by concatenating every fragment it receives, so one header of
tens of MiB costs quadratic time on the event loop, stalling every other connection; and uvicorn
arms no timer before the first request completes, so a client that never finishes its headers
holds its connection forever, and every byte of a trickling body restarts its keep-alive wait.
This protocol counts the bytes of each request line and header block and answers 431 once they
exceed `max_head_bytes`; closes a connection whose head is not complete `head_timeout` seconds
after the server started waiting for it; and answers 408 and closes when the whole request,
body included, is not complete `request_timeout` seconds after that start. Answers stay in
request order: a refusal of a pipelined request waits for the answers before it. Parsing stays
httptools'; only byte counts of heads and one timer per connection are added.

uvicorn writes a response's head and its body to the socket separately: two system calls and,
on a connection that has nothing else to send, two TCP segments for every answer. The protocol
hands uvicorn a `CoalescingTransport`, which gathers what is written while the event loop runs
one step and sends it as one write: when the response completes, before the connection closes,
or at the loop's next turn at the latest (a streamed body is never held longer than that).

This module is the service's one reach into a framework's internals: it overrides uvicorn's
`HttpToolsProtocol` hooks and reads its connection and request-cycle state.
`tests/unit/test_uvicorn_edge.py` holds uvicorn to that shape, and pyproject pins uvicorn to the
releases that test has passed on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from apps.auth.setup.server_answers import error_answer

logger = logging.getLogger("auth.server")
# Envoy's default request-header limit is 60 KiB: anything the mesh forwards fits.
MAX_HEAD_BYTES = 64 * 1024
HEAD_TIMEOUT_SECONDS = 5.0
REQUEST_TIMEOUT_SECONDS = 30.0


class CoalescingTransport(asyncio.Transport):
    """The connection's transport, with the writes of one event-loop step sent as one.

    `flush` sends what was gathered; it runs when the protocol completes a response, before a
    close, and from the loop's next turn after the first write it gathered. Everything else is
    the wrapped transport's own behaviour; `abort` drops what was gathered, as it drops what the
    wrapped transport holds.
    """

    def __init__(self, *, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._gathered: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._gathered:
            self._loop.call_soon(self.flush)
        self._gathered.append(bytes(data))

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        gathered = self._gathered
        if not gathered:
            return
        self._gathered = []
        if not self._transport.is_closing():
            self._transport.write(gathered[0] if len(gathered) == 1 else b"".join(gathered))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._gathered = []
        self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._gathered))

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = MAX_HEAD_BYTES
    head_timeout = HEAD_TIMEOUT_SECONDS
    request_timeout = REQUEST_TIMEOUT_SECONDS

    _head_pending = False
    _head_bytes = 0
    # One timer per connection, re-armed by moving the deadlines it checks: a request only
    # writes two floats, and the timer (at or before the earliest deadline) fires at most
    # every few seconds on a busy keep-alive connection instead of being made and cancelled
    # twice per request.
    _timer: asyncio.TimerHandle | None = None
    _head_deadline: float | None = None
    _request_deadline: float | None = None
    _chunk_body = 0
    _chunk_ended_message = False
    # A refusal written only once the answers to the requests before it are out.
    _refusal: bytes | None = None
    _out: CoalescingTransport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._out = CoalescingTransport(transport=transport, loop=self.loop)
        super().connection_made(self._out)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return  # the stream after a refused request cannot be read
        if self._head_pending:
            self._head_bytes += len(data)
        self._chunk_body, self._chunk_ended_message = 0, False
        # The chunk is parsed first: it may end the head and carry a body that must not count.
        super().data_received(data)
        if self._chunk_ended_message and self._head_pending:
            # A pipelined head began inside this chunk, after a message ended; what preceded
            # it is at most the earlier message's head (its body is not counted).
            self._head_bytes = len(data) - self._chunk_body
        too_large = self._head_pending and self._head_bytes > self.max_head_bytes
        if too_large and not self.transport.is_closing() and self._refusal is None:
            logger.warning("request head too large", extra={"bytes": self._head_bytes})
            self._refuse(431, "HEADERS_TOO_LARGE", "Request line and headers are too large")

    def on_headers_complete(self) -> None:
        self._head_pending = False
        self._head_deadline = None
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._chunk_body += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._chunk_ended_message = True
        self._disarm()
        super().on_message_complete()
        self._await_head()

    def on_response_complete(self) -> None:
        if self._out is not None:
            self._out.flush()
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if self._refusal is not None and not self._answers_pending():
            self._close_with(self._refusal)
        elif self._head_pending and not self.pipeline:
            self._arm()

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "BAD_REQUEST", msg)

    def _await_head(self) -> None:
        self._head_pending = True
        self._head_bytes = 0
        # While a response is still being produced the deadlines would cut it short; they are
        # set when that response completes instead.
        if self.cycle is None or self.cycle.response_complete:
            self._arm()

    def _answers_pending(self) -> bool:
        cycle = self.cycle
        return bool(self.pipeline) or (cycle is not None and not cycle.response_complete)

    def _arm(self) -> None:
        now = self.loop.time()
        self._head_deadline = head = now + self.head_timeout
        self._request_deadline = now + self.request_timeout
        timer = self._timer
        if timer is None or timer.when() > head:
            if timer is not None:
                timer.cancel()
            self._timer = self.loop.call_at(head, self._deadline_reached)

    def _disarm(self) -> None:
        self._head_deadline = self._request_deadline = None

    def _deadline_reached(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        now = self.loop.time()
        head, request = self._head_deadline, self._request_deadline
        if self._head_pending and head is not None and now >= head:
            self._head_timed_out()
        elif not self._head_pending and request is not None and now >= request:
            self._request_timed_out()
        else:
            pending = head if self._head_pending else request
            if pending is not None:
                self._timer = self.loop.call_at(pending, self._deadline_reached)

    def _head_timed_out(self) -> None:
        if self._head_bytes:
            self._refuse(408, "REQUEST_TIMEOUT", "Request headers were not received in time")
        else:
            self._disarm()
            self.transport.close()

    def _request_timed_out(self) -> None:
        self._refuse(408, "REQUEST_TIMEOUT", "The request was not received in time")

    def _refuse(self, status: int, code: str, detail: str) -> None:
        """Answers in the API's error format and closes: the rest of the stream is unreadable."""
        self._head_pending = False
        self._disarm()
        answer = error_answer(status, code, detail)
        cycle = self.cycle
        if cycle is not None and cycle.more_body:
            # The refused request is the one in progress: the app must not answer it as well,
            # and once it has answered (without reading the body) nothing may follow.
            # `connection_lost`, right after the close, wakes the app to find it disconnected.
            cycle.disconnected = not cycle.response_complete
            if cycle.response_started or self.pipeline:
                answer = b""
        elif self._answers_pending():
            self._refusal = answer
            self.flow.pause_reading()
            return
        self._close_with(answer)

    def _close_with(self, answer: bytes) -> None:
        self._disarm()
        if answer:
            self.transport.write(answer)
        self.transport.close()


def bounded_protocol(request_timeout: float) -> type[BoundedHttpToolsProtocol]:
    """The protocol with this process's whole-request deadline (`AUTH_REQUEST_TIMEOUT_SECONDS`)."""
    return type(
        "BoundedHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"request_timeout": max(request_timeout, HEAD_TIMEOUT_SECONDS)},
    )
