"""Parsing a provider's JSON answer without trusting its size, depth or types."""

from __future__ import annotations

from typing import Any

import orjson

# Provider answers nest three or four levels; anything far deeper is an attack, and orjson
# already stops at 1024 levels without recursing in Python.
MAX_DEPTH = 16


class MalformedBody(ValueError):
    pass


def parse_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or `MalformedBody` (not JSON, not an object, too deep)."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise MalformedBody("answer is not JSON") from None
    if not isinstance(body, dict):
        raise MalformedBody("answer is not a JSON object")
    if _depth_exceeds(body, MAX_DEPTH):
        raise MalformedBody(f"answer nests deeper than {MAX_DEPTH} levels")
    return body


def _depth_exceeds(root: dict[str, Any], limit: int) -> bool:
    pending: list[tuple[dict[str, Any] | list[Any], int]] = [(root, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
