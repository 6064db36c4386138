"""Ports of the account's activity: reading audit records back, naming devices, notices."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.device import Device
from apps.auth.domain.notice import Notice
from apps.auth.domain.session import ClientInfo


class DeviceNamer(Protocol):
    def name(self, user_agent: str | None) -> Device:
        """Never raises: an unreadable or hostile user agent is an unknown device."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditPosition:
    """A place in one user's records, newest first: (occurred_at, id) descending."""

    occurred_at: datetime
    id: UUID


class ActivityLog(Protocol):
    """One user's audit records read back; no method ever returns another user's."""

    async def page(
        self,
        user_id: UUID,
        *,
        events: Collection[AuditEvent],
        since: datetime,
        before: AuditPosition | None,
        limit: int,
    ) -> list[LoginAudit]:
        """Records at or after `since`, newest first by (occurred_at, id), strictly past
        `before` in that order."""

    async def clients_since(
        self, user_id: UUID, *, events: Collection[AuditEvent], since: datetime, limit: int
    ) -> list[ClientInfo]:
        """The distinct (ip, user agent) pairs of those records at or after `since`."""


class NoticeOutbox(Protocol):
    async def publish(self, notice: Notice) -> None:
        """Appends the notice to the outbox the relay carries; StorageUnavailable if not."""
