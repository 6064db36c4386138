"""Reads an outbox event as I-JSON (RFC 7493), or says which rule it breaks.

The gateway (Go) and our verifier must never read one event two ways, so the relay carries only
bodies every JSON parser reads alike: UTF-8 without a byte-order mark, no duplicate member
names, no NaN or Infinity, no unpaired surrogate, and a bounded size and depth. Python's own
`json.loads` accepts all of these (and guesses UTF-16 from bytes); each is refused here.
"""

from __future__ import annotations

import json
from typing import Any

# Nesting a revocation event never needs; refused before the parser recurses that deep.
MAX_DEPTH = 16


class NotIJson(Exception):
    """`reason` is a stable code for the dead-letter stream and the metric."""

    def __init__(self, *, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def read_ijson(body: bytes, *, max_bytes: int) -> Any:
    if len(body) > max_bytes:
        raise NotIJson(reason="too_large", detail=f"{len(body)} bytes, over {max_bytes}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotIJson(reason="not_utf8", detail=str(exc)[:200]) from exc
    if text.startswith("\ufeff"):
        raise NotIJson(reason="not_utf8", detail="starts with a byte-order mark")
    # Brackets inside strings only add to the count: at most MAX_DEPTH of them in all cannot
    # nest deeper, and a revocation event has one or two, so the scan runs only when needed.
    if text.count("{") + text.count("[") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise NotIJson(reason="too_deep", detail=f"nested deeper than {MAX_DEPTH}")
    try:
        value = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique_members)
    except NotIJson:
        raise
    except (ValueError, RecursionError) as exc:
        raise NotIJson(reason="invalid_json", detail=str(exc)[:200]) from exc
    _no_lone_surrogate(value)
    return value


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings: a linear scan, no recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise NotIJson(reason="non_finite_number", detail=f"{name} is not a JSON number")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        names = [name for name, _ in pairs]
        duplicate = next(name for name in names if names.count(name) > 1)
        raise NotIJson(reason="duplicate_key", detail=f"member {duplicate[:64]!r} repeats")
    return members


def _no_lone_surrogate(value: Any) -> None:
    texts: list[str] = []
    if isinstance(value, str):
        texts.append(value)
    elif isinstance(value, dict):
        texts += value.keys()
        texts += (v for v in value.values() if isinstance(v, str))
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise NotIJson(reason="lone_surrogate", detail=str(exc)[:200]) from exc
