"""The user's own security events, as the account page shows them, made from audit records."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.device import Device

NEW_DEVICE_REASON = "new_device"


class ActivityKind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    SIGN_OUT_ALL = "sign_out_all"
    SESSION_ENDED = "session_ended"
    SESSION_COMPROMISED = "session_compromised"
    ACCOUNT_CHANGE = "account_change"


# Refreshes (and their grace hits) are the page keeping a session alive, not something the
# user did; failed sign-ins carry no user. Neither is shown.
KIND_OF_EVENT: dict[AuditEvent, ActivityKind] = {
    AuditEvent.LOGIN_SUCCESS: ActivityKind.SIGN_IN,
    AuditEvent.LOGOUT: ActivityKind.SIGN_OUT,
    AuditEvent.LOGOUT_ALL: ActivityKind.SIGN_OUT_ALL,
    AuditEvent.SESSION_REVOKED: ActivityKind.SESSION_ENDED,
    AuditEvent.REFRESH_REUSE: ActivityKind.SESSION_COMPROMISED,
    AuditEvent.ACCOUNT_DELETED: ActivityKind.ACCOUNT_CHANGE,
}
SHOWN_EVENTS = frozenset(KIND_OF_EVENT)


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity:
    id: UUID
    kind: ActivityKind
    at: datetime
    provider: str | None
    device: Device | None
    network: str | None
    new_device: bool


def mask_network(ip: str | None) -> str | None:
    """The network an address belongs to, never the address: IPv4 /24, IPv6 /48.

    IPv4 reads "203.0.113.x"; IPv6 "2001:db8:85a3::/48". Anything unparseable is None.
    """
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        a, b, c, _ = str(address).split(".")
        return f"{a}.{b}.{c}.x"
    return str(ipaddress.IPv6Network((address, 48), strict=False))
