"""Hand-made answers of the fake provider: any bytes, status and headers, optionally streamed
without a length, repeated until the caller hangs up, or dripped one byte at a time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

if TYPE_CHECKING:
    from apps.auth.tests.fakes.fake_provider import FakeProvider

STREAM_LIMIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RawAnswer:
    """`body` as given, or streamed without a length (`chunked`), repeated until the caller
    hangs up (`endless`), or one byte every `drip_seconds`."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    endless: bool = False
    drip_seconds: float = 0.0


def raw_response(answer: RawAnswer, request: Request, fake: FakeProvider) -> Response:
    headers = {"content-type": answer.content_type, **answer.headers}
    if not (answer.chunked or answer.endless or answer.drip_seconds):
        return Response(answer.body, status_code=answer.status, headers=headers)
    return StreamingResponse(
        _chunks(fake, answer, request), status_code=answer.status, headers=headers
    )


async def _chunks(fake: FakeProvider, answer: RawAnswer, request: Request) -> AsyncIterator[bytes]:
    """Stops when the caller hangs up: sends after a disconnect are silently dropped."""
    generation, started = fake.stall_generation, time.monotonic()
    while (
        fake.stall_generation == generation
        and time.monotonic() - started < STREAM_LIMIT_SECONDS
        and not await request.is_disconnected()
    ):
        if answer.drip_seconds:
            for byte in answer.body:
                if await request.is_disconnected():
                    return
                fake.streamed_bytes += 1
                yield bytes([byte])
                await asyncio.sleep(answer.drip_seconds)
        else:
            fake.streamed_bytes += len(answer.body)
            yield answer.body
        if not answer.endless:
            return
