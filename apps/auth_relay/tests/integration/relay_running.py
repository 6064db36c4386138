from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from apps.auth_relay.setup.runner import RelayApp


@contextlib.asynccontextmanager
async def running(app: RelayApp) -> AsyncIterator[asyncio.Task[None]]:
    """Runs the relay in this event loop and stops it gracefully on exit."""
    stop = asyncio.Event()
    task = asyncio.create_task(app.run(stop))
    try:
        yield task
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)


async def until(condition: Callable[[], bool], seconds: float = 15.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


def sample(app: RelayApp, name: str, **labels: str) -> float:
    """A metric's current value, read through the app's registry as a scrape would."""
    return app.registry.get_sample_value(name, labels) or 0.0
