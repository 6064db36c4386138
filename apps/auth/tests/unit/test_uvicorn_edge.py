"""The one reach into a framework's internals (setup/server_protocol.py subclasses uvicorn's
`HttpToolsProtocol`), held to the shape it relies on.

The bounded protocol overrides these methods and reads these attributes of the protocol and of
its request cycle; a uvicorn release that renames or reshapes any of them fails here, before
the deadline and head bounds silently stop holding. pyproject pins uvicorn to the releases this
test has passed on.
"""

from __future__ import annotations

import asyncio
import inspect
import socket
from collections import deque

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

from apps.auth.setup.server_protocol import BoundedHttpToolsProtocol, bounded_protocol

# Each overridden hook and the parameters uvicorn calls it with.
HOOKS = {
    "connection_made": ["self", "transport"],
    "connection_lost": ["self", "exc"],
    "data_received": ["self", "data"],
    "on_headers_complete": ["self"],
    "on_body": ["self", "body"],
    "on_message_complete": ["self"],
    "on_response_complete": ["self"],
    "send_400_response": ["self", "msg"],
}
CYCLE_FLAGS = ("response_started", "response_complete", "more_body", "disconnected")


def test_the_hooks_the_bounded_protocol_overrides_exist_with_the_parameters_it_takes() -> None:
    assert BoundedHttpToolsProtocol.__mro__[1] is HttpToolsProtocol
    for name, parameters in HOOKS.items():
        hook = getattr(HttpToolsProtocol, name)
        assert list(inspect.signature(hook).parameters) == parameters, name
        assert name in vars(BoundedHttpToolsProtocol), name
    init = inspect.signature(HttpToolsProtocol.__init__).parameters
    assert list(init)[:4] == ["self", "config", "server_state", "app_state"]


async def _app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    await receive()
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_the_state_the_bounded_protocol_reads_is_there_during_and_after_a_request() -> None:
    loop = asyncio.get_running_loop()
    config = uvicorn.Config(_app, lifespan="off", log_config=None)
    protocol_class = bounded_protocol(30.0)
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={})
    ours, theirs = socket.socketpair()
    with theirs:
        await loop.connect_accepted_socket(lambda: protocol, ours)
        assert isinstance(protocol.pipeline, deque)
        assert protocol.loop is loop and protocol.cycle is None
        assert callable(protocol.flow.pause_reading) and not protocol.transport.is_closing()
        theirs.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab")
        theirs.settimeout(5)
        answer = await loop.run_in_executor(None, theirs.recv, 4096)
        assert answer.startswith(b"HTTP/1.1 204 ")
        cycle = protocol.cycle
        assert isinstance(cycle, RequestResponseCycle)
        assert {flag: getattr(cycle, flag) for flag in CYCLE_FLAGS} == {
            "response_started": True,
            "response_complete": True,
            "more_body": False,
            "disconnected": False,
        }
        # The answer completed: the connection waits for the next head under its deadline.
        assert protocol._head_pending and protocol._timer is not None
        protocol.transport.close()
        await asyncio.sleep(0)
