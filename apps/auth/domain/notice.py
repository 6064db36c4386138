"""The wire format of the events Eco²'s notification service turns into a push or a message.

`auth.new_device_sign_in`: a sign-in from a device and network the user had not used within
the window. `auth.session_compromised`: a refresh token was used twice and its session ended.
Schemas: docs/schemas/*.schema.json; a golden test holds these bytes to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from apps.auth.domain.device import Device
from apps.auth.domain.revocation_event import iso_utc


class NoticeType(StrEnum):
    NEW_DEVICE_SIGN_IN = "auth.new_device_sign_in"
    SESSION_COMPROMISED = "auth.session_compromised"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notice:
    """`event_id` is the audit record's id, the same as the activity item's `id`."""

    type: NoticeType
    event_id: UUID
    user_id: UUID
    occurred_at: datetime
    provider: str | None
    device: Device
    network: str | None


def encode_notice(notice: Notice) -> bytes:
    return json.dumps(
        {
            "type": notice.type.value,
            "event_id": str(notice.event_id),
            "user_id": str(notice.user_id),
            "occurred_at": iso_utc(notice.occurred_at),
            "provider": notice.provider,
            "device": {
                "label": notice.device.label,
                "browser": notice.device.browser,
                "os": notice.device.os,
                "in_app": notice.device.in_app,
            },
            "network": notice.network,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
