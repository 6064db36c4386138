"""The notices' wire format: exact bytes, the published JSON schemas, and the relay's reading."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator

from apps.auth.domain.device import Device
from apps.auth.domain.notice import Notice, NoticeType, encode_notice
from apps.auth_relay.application.entries import OutboxEntry, OutboxEvent, Rejection, parse_entry

SCHEMAS = Path(__file__).resolve().parents[4] / "docs" / "schemas"
NOW = datetime(2026, 12, 7, 15, 0, 1, 654321, tzinfo=UTC)
DEVICE = Device(
    label="KakaoTalk in-app browser", browser="iOS WebView", os="iPhone", in_app="KakaoTalk"
)


def notice(kind: NoticeType, **changes: object) -> Notice:
    values: dict[str, object] = {
        "type": kind,
        "event_id": UUID("0b9d6f43-52a4-4c8e-9d0c-3f1f2b7e9a10"),
        "user_id": UUID("6a3c4f5e-0000-4000-8000-000000000001"),
        "occurred_at": NOW,
        "provider": "kakao",
        "device": DEVICE,
        "network": "203.0.113.x",
    } | changes
    return Notice(**values)  # type: ignore[arg-type]


def validator(kind: NoticeType) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind.value}.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_new_device_notice_matches_the_published_bytes_when_encoded() -> None:
    expected = (
        '{"type":"auth.new_device_sign_in","event_id":"0b9d6f43-52a4-4c8e-9d0c-3f1f2b7e9a10",'
        '"user_id":"6a3c4f5e-0000-4000-8000-000000000001","occurred_at":"2026-12-07T15:00:01Z",'
        '"provider":"kakao","device":{"label":"KakaoTalk in-app browser",'
        '"browser":"iOS WebView","os":"iPhone","in_app":"KakaoTalk"},"network":"203.0.113.x"}'
    )
    assert encode_notice(notice(NoticeType.NEW_DEVICE_SIGN_IN)) == expected.encode()


@pytest.mark.parametrize("kind", list(NoticeType))
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"provider": None, "network": None},
        {"device": Device(label="Unknown device", browser=None, os=None, in_app=None)},
        {"network": "2001:db8:85a3::/48"},
    ],
)
def test_notice_valid_under_its_schema_and_relayed_under_its_type_when_encoded(
    kind: NoticeType, changes: dict[str, object]
) -> None:
    body = encode_notice(notice(kind, **changes))

    assert list(validator(kind).iter_errors(json.loads(body))) == []
    parsed = parse_entry(OutboxEntry(entry_id="1-1", fields={b"event": body}))
    assert parsed == OutboxEvent(entry_id="1-1", body=body, topic=kind.value)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda e: e | {"jti": "abc"},
        lambda e: {k: v for k, v in e.items() if k != "network"},
        lambda e: e | {"occurred_at": "yesterday"},
        lambda e: e | {"device": {"label": ""}},
        lambda e: e | {"device": e["device"] | {"os": 7}},
        lambda e: e | {"user_id": ""},
    ],
)
def test_notice_dead_lettered_and_refused_by_schema_when_malformed(mangle) -> None:  # type: ignore[no-untyped-def]
    kind = NoticeType.SESSION_COMPROMISED
    event = mangle(json.loads(encode_notice(notice(kind))))
    body = json.dumps(event).encode()

    parsed = parse_entry(OutboxEntry(entry_id="1-1", fields={b"event": body}))

    assert isinstance(parsed, Rejection) and parsed.reason == "invalid_event"
    assert list(validator(kind).iter_errors(event)) != []


def test_revocation_still_goes_to_the_fanout_exchange_when_parsed() -> None:
    body = (
        b'{"type":"add","jti":"0123abcd","user_id":"6a3c4f5e-0000-4000-8000-000000000001",'
        b'"expires_at":"2026-11-30T00:14:58Z","reason":"logout","timestamp":"2026-11-29T23:59:58Z"}'
    )

    parsed = parse_entry(OutboxEntry(entry_id="1-2", fields={b"event": body}))

    assert parsed == OutboxEvent(entry_id="1-2", body=body, topic=None)
