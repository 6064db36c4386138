"""One poisoned outbox entry between two good ones, against a relay process on the real Redis
and RabbitMQ: the good ones reach the exchange in order, the poisoned one is in the dead-letter
stream with its reason and counted, and the relay process never stops."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from redis.asyncio import Redis

from apps.auth_relay.tests.events import event_body, event_fields
from apps.auth_relay.tests.integration.conftest import Inbox, Names, free_port
from apps.auth_relay.tests.integration.test_relay_process import (
    _answer,
    _environment,
    _get,
    _spawn,
    spawned,  # noqa: F401
)

GOOD = json.loads(event_body())


def _with(**members: object) -> bytes:
    return json.dumps({**GOOD, **members}).encode()


def _raw(text: str) -> bytes:
    """An event whose JSON text is written by hand, for what `json.dumps` will not write."""
    return ('{"type":"add",' + text + "}").encode()


_REST = ",".join(f'"{k}":"{GOOD[k]}"' for k in ("user_id", "expires_at", "reason", "timestamp"))

POISONS = {
    "nested_past_the_recursion_limit": (b"[" * 20_000 + b"]" * 20_000, "too_deep"),
    "utf16_encoded": (event_body().decode().encode("utf-16"), "not_utf8"),
    "nan_member": (_raw(f'"jti":"nan-1",{_REST},"ttl":NaN'), "non_finite_number"),
    "infinity_member": (_raw(f'"jti":"inf-1",{_REST},"ttl":-Infinity'), "non_finite_number"),
    "duplicate_jti": (_raw(f'"jti":"seen-by-go",{_REST},"jti":"seen-by-python"'), "duplicate_key"),
    "lone_surrogate": (_raw(f'"jti":"\\ud800",{_REST}'), "lone_surrogate"),
    "wrong_shape": (_with(extra={"nested": [1, 2]}), "invalid_event"),
    "larger_than_the_broker_takes": (_with(reason="x" * 70_000), "too_large"),
}


async def _dead_letters(redis: Redis, names: Names, seconds: float = 15.0) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        entries = await redis.xrange(names.dead)
        if entries:
            return [{k.decode(): v for k, v in fields.items()} for _, fields in entries]
        await asyncio.sleep(0.05)
    return []


def _counted(metrics: str, reason: str) -> float:
    prefix = f'relay_events_dead_lettered_total{{reason="{reason}"}} '
    lines = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(lines[0].removeprefix(prefix)) if lines else 0.0


@pytest.mark.parametrize("kind", list(POISONS))
async def test_a_poisoned_entry_is_dead_lettered_and_the_entries_after_it_are_delivered(
    redis: Redis,
    names: Names,
    inbox: Inbox,
    spawned,  # noqa: F811 - the fixture imported above
    kind: str,
) -> None:
    body, reason = POISONS[kind]
    port = free_port()
    relay = await _spawn(_environment(names, port))
    spawned.append(relay)
    await _answer(port, "/readyz", 200)

    first = (await redis.xadd(names.stream, event_fields())).decode()
    poisoned = (await redis.xadd(names.stream, {b"event": body})).decode()
    last = (await redis.xadd(names.stream, event_fields())).decode()
    await inbox.wait_for_ids({first, last})
    dead = await _dead_letters(redis, names)
    await inbox.settle()

    assert inbox.message_ids() == [first, last]
    [letter] = dead
    assert letter["entry_id"].decode() == poisoned
    assert letter["reason"].decode() == reason, letter["detail"]
    assert letter["original:event"] == body
    assert (await redis.xpending(names.stream, names.group))["pending"] == 0
    _, metrics = await _get(port, "/metrics")
    assert _counted(metrics, reason) == 1.0
    assert relay.returncode is None, "the relay process stopped"
