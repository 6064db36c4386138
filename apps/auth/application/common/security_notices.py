from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from apps.auth.application.common.activity_ports import ActivityLog, DeviceNamer, NoticeOutbox
from apps.auth.application.common.ports import Clock
from apps.auth.domain.activity import mask_network
from apps.auth.domain.audit import AuditEvent, LoginAudit
from apps.auth.domain.errors import DomainError
from apps.auth.domain.notice import Notice, NoticeType
from apps.auth.domain.session import ClientInfo

logger = logging.getLogger("auth.notices")

# A device is "used" by signing in on it or by keeping a session alive from it.
USED_BY = frozenset((AuditEvent.LOGIN_SUCCESS, AuditEvent.REFRESH, AuditEvent.REFRESH_GRACE))
# Past this many distinct (address, user agent) pairs in the window, older pairs may be missed,
# which can only produce a notice too many.
MAX_CLIENTS = 1000


class SecurityNotices:
    """Tells the user's notification channel about a new device and about a stolen session.

    A device is the browser, system and in-app browser its user agent names, together with the
    masked network (/24, /48) it came from. A sign-in whose device the user's records do not
    hold within the window is new. Notices are written after what they report has committed;
    a failed write is logged and never fails the sign-in or the refresh it reports on.
    """

    def __init__(
        self,
        *,
        log: ActivityLog,
        outbox: NoticeOutbox,
        devices: DeviceNamer,
        clock: Clock,
        window_days: int,
    ) -> None:
        self._log = log
        self._outbox = outbox
        self._devices = devices
        self._clock = clock
        self._window = timedelta(days=window_days)

    def _device_key(self, client: ClientInfo) -> tuple[str | None, ...]:
        device = self._devices.name(client.user_agent)
        return device.browser, device.os, device.in_app, mask_network(client.ip)

    async def is_new_device(self, user_id: UUID, client: ClientInfo) -> bool:
        try:
            seen = await self._log.clients_since(
                user_id,
                events=USED_BY,
                since=self._clock.now() - self._window,
                limit=MAX_CLIENTS,
            )
        except DomainError:
            logger.warning("new-device check skipped: the audit records are unavailable")
            return False
        key = self._device_key(client)
        return all(self._device_key(other) != key for other in seen)

    async def new_device_sign_in(self, audit: LoginAudit) -> None:
        await self._publish(NoticeType.NEW_DEVICE_SIGN_IN, audit)

    async def session_compromised(self, audit: LoginAudit) -> None:
        await self._publish(NoticeType.SESSION_COMPROMISED, audit)

    async def _publish(self, kind: NoticeType, audit: LoginAudit) -> None:
        if audit.user_id is None:
            return
        notice = Notice(
            type=kind,
            event_id=audit.id,
            user_id=audit.user_id,
            occurred_at=audit.occurred_at,
            provider=audit.provider,
            device=self._devices.name(audit.user_agent),
            network=mask_network(audit.ip),
        )
        try:
            await self._outbox.publish(notice)
        except DomainError as error:
            logger.error("notice not written: %s", error.code, extra={"notice": kind.value})
