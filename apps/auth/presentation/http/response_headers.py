"""Response headers the service adds to answers, whatever route or error produced them."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import Message, Send

Header = tuple[bytes, bytes]
_NO_STORE: Header = (b"cache-control", b"no-store")
_NOSNIFF: Header = (b"x-content-type-options", b"nosniff")
_INTERNAL_ERROR = b'{"code":"INTERNAL_ERROR","detail":"Internal server error"}'


def security_headers(headers: Sequence[Header]) -> list[Header]:
    """`nosniff` unless already said; `no-store` on an answer that sets a cookie (whatever it
    said before) or says nothing about caching."""
    sets_cookie = has_policy = has_nosniff = False
    for name, _ in headers:
        lowered = name.lower()
        sets_cookie = sets_cookie or lowered == b"set-cookie"
        has_policy = has_policy or lowered == b"cache-control"
        has_nosniff = has_nosniff or lowered == b"x-content-type-options"
    added = [] if has_nosniff else [_NOSNIFF]
    if sets_cookie:
        kept = [h for h in headers if h[0].lower() != b"cache-control"]
        return [*kept, _NO_STORE, *added]
    return [*headers, *added] if has_policy else [*headers, _NO_STORE, *added]


async def internal_error(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(_INTERNAL_ERROR)),
    ]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": _INTERNAL_ERROR})


def vary_on_origin(send: Send) -> Send:
    """`send` with `Origin` added to the answer's `Vary` header when not already there."""

    async def send_varied(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = _with_origin_in_vary(message.get("headers", []))
        await send(message)

    return send_varied


def _with_origin_in_vary(headers: Sequence[Header]) -> list[Header]:
    varies = [value for name, value in headers if name.lower() == b"vary"]
    if not varies:
        return [*headers, (b"vary", b"Origin")]
    tokens = {token.strip().lower() for value in varies for token in value.split(b",")}
    if tokens & {b"origin", b"*"}:
        return list(headers)
    rest = [h for h in headers if h[0].lower() != b"vary"]
    return [*rest, (b"vary", b", ".join([*varies, b"Origin"]))]
