"""The server protocol sends each answer as one write (setup/server_protocol.py,
`CoalescingTransport`): uvicorn writes a response's head and body separately, and the protocol
gathers them. A streamed body still leaves at the event loop's next turn, and nothing gathered
is lost when the connection closes."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState

from apps.auth.setup.server_protocol import CoalescingTransport, bounded_protocol

REQUEST = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    """The socket's side of the connection: every write as the protocol made it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.reading = True

    def write(self, data: Any) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 40000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_reading(self) -> bool:
        return self.reading

    def get_write_buffer_size(self) -> int:
        return 0


def _connected(app: Any) -> tuple[Any, RecordingTransport]:
    config = uvicorn.Config(app, lifespan="off", log_config=None)
    protocol = bounded_protocol(30.0)(config=config, server_state=ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    return protocol, transport


async def _until(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def _json_app(scope: Any, receive: Any, send: Any) -> None:
    body = b'{"path": "' + scope["path"].encode() + b'"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def test_a_response_head_and_body_leave_in_one_write() -> None:
    protocol, transport = _connected(_json_app)
    protocol.data_received(REQUEST)
    await _until(lambda: transport.writes)
    await asyncio.sleep(0)
    assert len(transport.writes) == 1
    (answer,) = transport.writes
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert answer.endswith(b'\r\n\r\n{"path": "/"}')
    protocol.connection_lost(None)


async def test_pipelined_requests_get_one_write_each_in_their_order() -> None:
    protocol, transport = _connected(_json_app)
    protocol.data_received(
        b"GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    await _until(lambda: len(transport.writes) == 2)
    await asyncio.sleep(0)
    assert len(transport.writes) == 2
    assert transport.writes[0].endswith(b'{"path": "/first"}')
    assert transport.writes[1].endswith(b'{"path": "/second"}')
    protocol.connection_lost(None)


async def test_a_streamed_body_is_not_held_until_the_response_completes() -> None:
    go_on = asyncio.Event()

    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await go_on.wait()
        await send({"type": "http.response.body", "body": b"last"})

    protocol, transport = _connected(streaming)
    protocol.data_received(REQUEST)
    # Were the first chunk gathered until the response completes, this would never hold.
    await _until(lambda: b"".join(transport.writes).endswith(b"5\r\nfirst\r\n"))
    assert len(transport.writes) == 1
    go_on.set()
    await _until(lambda: b"".join(transport.writes).endswith(b"0\r\n\r\n"))
    assert b"".join(transport.writes).endswith(b"4\r\nlast\r\n0\r\n\r\n")
    protocol.connection_lost(None)


async def test_what_was_gathered_is_written_before_the_connection_closes() -> None:
    transport = RecordingTransport()
    coalescing = CoalescingTransport(transport=transport, loop=asyncio.get_running_loop())
    coalescing.write(b"HTTP/1.1 200 OK\r\n\r\n")
    coalescing.writelines([b"a", bytearray(b"b"), memoryview(b"c")])
    assert transport.writes == [] and coalescing.get_write_buffer_size() == 22
    coalescing.close()
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\nabc"] and transport.closed
    await asyncio.sleep(0)  # the loop's turn finds nothing left to send
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\nabc"]


async def test_an_abort_drops_what_was_gathered() -> None:
    aborted: list[bool] = []

    class Aborting(RecordingTransport):
        def abort(self) -> None:
            aborted.append(True)
            self.closed = True

    transport = Aborting()
    coalescing = CoalescingTransport(transport=transport, loop=asyncio.get_running_loop())
    coalescing.write(b"partial")
    coalescing.abort()
    await asyncio.sleep(0)
    assert aborted == [True] and transport.writes == []


async def test_a_refusal_is_written_in_full_before_the_close() -> None:
    protocol, transport = _connected(_json_app)
    # A head over the bound and not yet complete: refused at once, the connection closed.
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000)
    assert transport.closed
    assert len(transport.writes) == 1 and transport.writes[0].startswith(b"HTTP/1.1 431 ")
    protocol.connection_lost(None)
