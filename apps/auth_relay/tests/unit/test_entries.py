from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from apps.auth_relay.application.entries import (
    OutboxEntry,
    OutboxEvent,
    Rejection,
    id_after,
    id_key,
    parse_entry,
)
from apps.auth_relay.tests.events import event_body


def _entry(fields: dict[bytes, bytes] | None) -> OutboxEntry:
    return OutboxEntry(entry_id="1700000000000-0", fields=fields)


def _rejection_reason(fields: dict[bytes, bytes] | None) -> str:
    parsed = parse_entry(_entry(fields))
    assert isinstance(parsed, Rejection)
    return parsed.reason


def test_event_kept_byte_for_byte_when_the_api_encoded_it() -> None:
    body = event_body("jti-1")

    parsed = parse_entry(_entry({b"event": body}))

    assert parsed == OutboxEvent(entry_id="1700000000000-0", body=body)


def test_rejected_as_missing_event_when_the_field_is_absent() -> None:
    assert _rejection_reason({b"other": b"x"}) == "missing_event"


def test_rejected_as_deleted_when_the_entry_left_the_stream() -> None:
    assert _rejection_reason(None) == "deleted"


def test_rejected_as_invalid_json_when_the_body_is_not_json() -> None:
    assert _rejection_reason({b"event": b"{not json"}) == "invalid_json"
    assert _rejection_reason({b"event": b"\xff\xfe"}) == "not_utf8"


def test_rejected_as_invalid_event_when_a_field_is_wrong() -> None:
    good = json.loads(event_body())
    for change in ({"type": "remove"}, {"jti": ""}, {"user_id": 7}, {"expires_at": "soon"}):
        body = json.dumps({**good, **change}).encode()
        assert _rejection_reason({b"event": body}) == "invalid_event", change
    assert _rejection_reason({b"event": b"[1, 2]"}) == "invalid_event"


def test_rejection_keeps_the_original_fields_when_dead_lettered() -> None:
    parsed = parse_entry(_entry({b"event": b"oops", b"extra": b"1"}))

    assert isinstance(parsed, Rejection)
    assert parsed.fields == {b"event": b"oops", b"extra": b"1"}


def test_next_id_follows_when_computing_the_successor() -> None:
    assert id_after("1700000000000-4") == "1700000000000-5"
    assert id_key("1700000000000-5") > id_key("1700000000000-4")
    assert id_key("1700000000001-0") > id_key("1700000000000-99")


@given(st.dictionaries(st.binary(max_size=8), st.binary(max_size=64), max_size=3))
def test_never_raises_when_fields_are_arbitrary_bytes(fields: dict[bytes, bytes]) -> None:
    parsed = parse_entry(_entry(fields))

    assert isinstance(parsed, OutboxEvent | Rejection)
