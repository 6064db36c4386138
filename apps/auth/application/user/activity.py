from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from apps.auth.application.common.activity_ports import ActivityLog, AuditPosition, DeviceNamer
from apps.auth.application.common.ports import Clock
from apps.auth.application.user.activity_cursor import decode_cursor, encode_cursor
from apps.auth.domain.activity import (
    KIND_OF_EVENT,
    NEW_DEVICE_REASON,
    SHOWN_EVENTS,
    Activity,
    mask_network,
)
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.errors import ValidationFailed
from apps.auth.domain.token import TokenClaims

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True, kw_only=True)
class ListActivityRequest:
    caller: TokenClaims
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListActivityResult:
    items: list[Activity]
    next_cursor: str | None


class ListActivityQuery:
    """The caller's own security events from the audit records, newest first, in pages.

    Only records of the caller's user id are read; the cursor is bound to that id too. Items
    carry a masked network, never an address, and nothing of any token. Records older than
    `retention_days` are not shown.
    """

    def __init__(
        self, *, log: ActivityLog, devices: DeviceNamer, clock: Clock, retention_days: int
    ) -> None:
        self._log = log
        self._devices = devices
        self._clock = clock
        self._retention = timedelta(days=retention_days)

    async def execute(self, request: ListActivityRequest) -> ListActivityResult:
        if not 1 <= request.limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
        user_id = request.caller.sub
        before = decode_cursor(request.cursor, user_id) if request.cursor else None
        records = await self._log.page(
            user_id,
            events=SHOWN_EVENTS,
            since=self._clock.now() - self._retention,
            before=before,
            limit=request.limit + 1,
        )
        page = [r for r in records if r.user_id == user_id][: request.limit]
        more = len(records) > request.limit
        last = page[-1] if page and more else None
        return ListActivityResult(
            items=[self._item(record) for record in page],
            next_cursor=(
                encode_cursor(AuditPosition(occurred_at=last.occurred_at, id=last.id), user_id)
                if last
                else None
            ),
        )

    def _item(self, record: LoginAudit) -> Activity:
        return Activity(
            id=record.id,
            kind=KIND_OF_EVENT[record.event],
            at=record.occurred_at,
            provider=record.provider,
            device=self._devices.name(record.user_agent) if record.user_agent else None,
            network=mask_network(record.ip),
            new_device=record.event is AuditEvent.LOGIN_SUCCESS
            and record.reason == NEW_DEVICE_REASON,
        )
