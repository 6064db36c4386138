"""The answers the HTTP server writes itself, before or instead of the app: the API's error
format, with the headers every answer of ours carries, and `connection: close`."""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE

_SECURITY_HEADERS = b"x-content-type-options: nosniff\r\ncache-control: no-store\r\n"


def error_answer(status: int, code: str, detail: str) -> bytes:
    body = orjson.dumps({"code": code, "detail": detail})
    return (
        STATUS_LINE[status]
        + b"content-type: application/json\r\n"
        + _SECURITY_HEADERS
        + b"connection: close\r\ncontent-length: %d\r\n\r\n" % len(body)
        + body
    )
