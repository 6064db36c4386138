"""H: attacks on the HTTP server itself (request heads), against the entry point production runs."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from apps.auth.setup.server_protocol import HEAD_TIMEOUT_SECONDS, MAX_HEAD_BYTES
from apps.auth.tests.security.served_api import ServedApi

CHUNK = 256 * 1024
ATTACK_BYTES = 64 * 1024 * 1024
# What the kernel buffers on both ends may swallow before the client sees the close.
BUFFERED_AT_MOST = 16 * 1024 * 1024
# The close must come at the bound; the margin is for a machine shared by several test runs.
CLOSE_MARGIN_SECONDS = 3.0


@pytest.fixture(scope="module")
def served() -> Iterator[ServedApi]:
    api = ServedApi().start()
    yield api
    api.stop()


def _attack(port: int, opening: bytes) -> tuple[int, bytes]:
    """Streams an endless request head; returns the bytes sent before the server cut it off."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(opening)
            while sent < ATTACK_BYTES:
                sock.sendall(b"a" * CHUNK)
                sent += CHUNK
        except OSError:
            pass
        try:
            return sent, sock.recv(65536)
        except OSError:
            return sent, b""


async def _normal_requests(base_url: str, attack: asyncio.Future[object]) -> list[int]:
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        while not attack.done() or not statuses:
            statuses.append((await client.get("/api/v1/auth/health")).status_code)
    return statuses


@pytest.mark.parametrize(
    "opening",
    [
        b"GET /api/v1/auth/verify HTTP/1.1\r\nHost: x\r\nX-Big: ",
        b"GET /api/v1/auth/verify?q=",
        b"GET /api/v1/auth/verify HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 8192,
    ],
    ids=["one-huge-header", "huge-request-line", "many-headers"],
)
async def test_huge_head_cut_off_at_once_while_other_clients_answer_when_streamed(
    served: ServedApi, opening: bytes
) -> None:
    attacks = asyncio.gather(*(asyncio.to_thread(_attack, served.port, opening) for _ in range(4)))
    statuses = await _normal_requests(served.base_url, attacks)
    results = await attacks

    assert statuses and set(statuses) == {200}
    for sent, answer in results:
        assert sent < BUFFERED_AT_MOST, f"the server read {sent} bytes of one request head"
        assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert any(answer for _, answer in results), "no attacker was told 431"
    answer = next(answer for _, answer in results if answer)
    assert b'"code":"HEADERS_TOO_LARGE"' in answer
    assert b"x-content-type-options: nosniff" in answer


async def test_oversized_token_reaches_the_app_as_401_when_head_under_the_limit(
    served: ServedApi,
) -> None:
    token = "a" * (MAX_HEAD_BYTES // 2)
    async with httpx.AsyncClient(base_url=served.base_url) as client:
        response = await client.get(
            "/api/v1/auth/verify", headers={"Authorization": f"Bearer {token}"}
        )

    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_TOKEN"


def test_body_sent_with_the_head_not_counted_as_head_when_one_packet_carries_both(
    served: ServedApi,
) -> None:
    body = b"grant_type=password&padding=" + b"x" * (4 * MAX_HEAD_BYTES)
    head = (
        b"POST /dev-idp/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(head + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert answer.endswith(b'{"error":"unsupported_grant_type"}')


async def _stalled(port: int, opening: bytes) -> tuple[float, bytes]:
    """Sends part of a head and waits; returns how long the server kept it and what it said."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(opening)
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(), HEAD_TIMEOUT_SECONDS + 15)
    except ConnectionResetError:
        answer = b""
    finally:
        writer.close()
    return time.monotonic() - started, answer


async def _dripping(port: int) -> tuple[float, bytes]:
    """Keeps the connection busy with one byte of header every half second."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /api/v1/auth/health HTTP/1.1\r\nHost: x\r\nX-Drip: ")
    reading = asyncio.ensure_future(reader.read())
    try:
        while not reading.done() and time.monotonic() - started < HEAD_TIMEOUT_SECONDS + 15:
            writer.write(b"a")
            await asyncio.wait({reading}, timeout=0.5)
        answer = await asyncio.wait_for(reading, 1)
    except (ConnectionResetError, TimeoutError):
        answer = b""
    finally:
        writer.close()
    return time.monotonic() - started, answer


async def test_stalled_heads_closed_at_the_bound_while_others_answer_when_200_never_finish(
    served: ServedApi,
) -> None:
    partial = b"GET /api/v1/auth/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
    stalled = asyncio.gather(
        *(_stalled(served.port, partial) for _ in range(190)),
        *(_stalled(served.port, b"") for _ in range(9)),
        _dripping(served.port),
    )
    statuses = await _normal_requests(served.base_url, stalled)
    results = await stalled

    assert statuses and set(statuses) == {200}
    held = [elapsed for elapsed, _ in results]
    assert max(held) < HEAD_TIMEOUT_SECONDS + CLOSE_MARGIN_SECONDS, sorted(held)[-5:]
    told = [answer for _, answer in results[:190]] + [results[-1][1]]
    assert all(a.startswith(b"HTTP/1.1 408 ") and b"REQUEST_TIMEOUT" in a for a in told)
    assert all(answer == b"" for _, answer in results[190:199])


def test_malformed_request_answered_in_the_api_error_format_when_unparsable(
    served: ServedApi,
) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\x00: 1\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert b'"code":"BAD_REQUEST"' in answer
    assert b"x-content-type-options: nosniff" in answer
