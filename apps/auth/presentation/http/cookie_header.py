"""Cookies as the browser sent them, duplicates included.

During the cut-over a browser can hold two token cookies of one name: v1 keeps `s_refresh` on
path `/`, v2 on `/api/v1/auth`. It sends both, the longer path first (RFC 6265 §5.4), and
Starlette's `request.cookies` keeps the last, so it would hand v2 v1's cookie even after v2
adopted (and spent) the token in it. Which of the two is live depends on who wrote last:
after v2 adopts a v1 session, v2's; after v1 rotates a v2 session (a request routed to v1),
v1's, while v2's still holds the token v1 spent. Tokens of one session are issued one after
the other, so the newest is the one to act on; `iat` orders them without trusting them, since
the chosen token is verified as any other. Equal or unreadable `iat` falls back to the order
the browser sent, longest path first.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Iterable
from http.cookies import _unquote  # what Starlette's own cookie parser unquotes with

# A token's payload is a few hundred bytes; nothing longer is worth decoding to compare.
_PAYLOAD_LIMIT = 4096


def cookie_values(headers: Iterable[str], names: Collection[str]) -> dict[str, list[str]]:
    """Every non-empty value of each cookie in `names`, in the order the request's `Cookie`
    headers carry them."""
    values: dict[str, list[str]] = {name: [] for name in names}
    for header in headers:
        for chunk in header.split(";"):
            key, sep, value = chunk.partition("=")
            if not sep:
                # Starlette reads a bare chunk as a value with an empty name; it is never ours.
                continue
            found = values.get(key.strip())
            if found is not None and (unquoted := _unquote(value.strip())):
                found.append(unquoted)
    return values


def newest_token(values: list[str]) -> str | None:
    """Of several tokens, the one issued last; on a tie, the one sent first."""
    if len(values) <= 1:
        return values[0] if values else None
    ranked = sorted(enumerate(values), key=lambda item: (-_issued_at(item[1]), item[0]))
    return ranked[0][1]


def _issued_at(token: str) -> int:
    """The unverified `iat` of a JWT, or -1 when there is none to read."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[1]) > _PAYLOAD_LIMIT:
        return -1
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return -1
    issued = payload.get("iat") if isinstance(payload, dict) else None
    if isinstance(issued, bool) or not isinstance(issued, int):
        return -1
    return issued
