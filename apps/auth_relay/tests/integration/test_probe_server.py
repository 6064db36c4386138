from __future__ import annotations

import socket

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from apps.auth_relay.infrastructure.uvicorn_probe_server import UvicornProbeServer, probe_app


class Switches:
    def __init__(self) -> None:
        self.live = True
        self.ready = False

    def is_live(self) -> bool:
        return self.live

    async def is_ready(self) -> bool:
        return self.ready


def _server(switches: Switches, registry: CollectorRegistry, port: int = 0) -> UvicornProbeServer:
    app = probe_app(live=switches.is_live, ready=switches.is_ready, registry=registry)
    return UvicornProbeServer(app=app, host="127.0.0.1", port=port)


async def test_probes_follow_the_worker_when_served_by_uvicorn() -> None:
    switches, registry = Switches(), CollectorRegistry()
    server = _server(switches, registry)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            not_ready = await client.get("/readyz")
            switches.ready = True
            ready = await client.get("/readyz")
            alive = await client.get("/healthz")
            switches.live = False
            stalled = await client.get("/healthz")
            missing = await client.get("/nope")
    finally:
        await server.close()

    assert (not_ready.status_code, not_ready.text) == (503, "not ready\n")
    assert (ready.status_code, ready.text) == (200, "ready\n")
    assert (alive.status_code, alive.text) == (200, "ok\n")
    assert (stalled.status_code, stalled.text) == (503, "stalled\n")
    assert missing.status_code == 404


async def test_metrics_in_prometheus_text_format_when_scraped_at_the_exact_path() -> None:
    registry = CollectorRegistry()
    Counter("relay_probe_test_total", "a test counter", registry=registry).inc(3)
    server = _server(Switches(), registry)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            response = await client.get("/metrics")
    finally:
        await server.close()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "relay_probe_test_total 3.0" in response.text


async def test_connection_refused_when_the_server_was_closed() -> None:
    server = _server(Switches(), CollectorRegistry())
    await server.start()
    port = server.port
    await server.close()

    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/healthz")


async def test_os_error_when_the_port_is_taken() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        server = _server(Switches(), CollectorRegistry(), port=taken.getsockname()[1])

        with pytest.raises(OSError):
            await server.start()
