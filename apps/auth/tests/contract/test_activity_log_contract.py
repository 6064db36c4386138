"""The activity query port, against Postgres and the embedded store alike."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from apps.auth.application.common.activity_ports import AuditPosition
from apps.auth.domain.activity import SHOWN_EVENTS
from apps.auth.domain.audit import AuditEvent
from apps.auth.tests.contract.backends import Storage
from apps.auth.tests.contract.builders import T0, audit

LONG_AGO = T0 - timedelta(days=365)


async def test_page_is_newest_first_and_only_the_users_own_when_records_interleave(
    storage: Storage,
) -> None:
    mine, theirs = uuid4(), uuid4()
    log = storage.shared_audit_log()
    written = []
    for n in range(6):
        record = audit(AuditEvent.LOGIN_SUCCESS, user_id=mine, offset_seconds=n)
        written.append(record)
        await log.record(record)
        await log.record(audit(AuditEvent.LOGOUT, user_id=theirs, offset_seconds=n))
    await storage.committed_audits()

    page = await storage.activity_log().page(
        mine, events=SHOWN_EVENTS, since=LONG_AGO, before=None, limit=10
    )

    assert page == list(reversed(written))
    await storage.close()


async def test_page_continues_strictly_after_the_position_when_times_tie(storage: Storage) -> None:
    user = uuid4()
    log = storage.shared_audit_log()
    # Five records in the same microsecond: only the id orders them.
    records = [audit(AuditEvent.LOGOUT, user_id=user) for _ in range(5)]
    for record in records:
        await log.record(record)
    await storage.committed_audits()
    activity = storage.activity_log()

    first = await activity.page(user, events=SHOWN_EVENTS, since=LONG_AGO, before=None, limit=2)
    last = first[-1]
    rest = await activity.page(
        user,
        events=SHOWN_EVENTS,
        since=LONG_AGO,
        before=AuditPosition(occurred_at=last.occurred_at, id=last.id),
        limit=10,
    )

    assert [r.id for r in first + rest] == sorted((r.id for r in records), reverse=True)
    await storage.close()


async def test_page_leaves_out_other_events_and_older_records_when_filtered(
    storage: Storage,
) -> None:
    user = uuid4()
    log = storage.shared_audit_log()
    old = audit(AuditEvent.LOGIN_SUCCESS, user_id=user, offset_seconds=-100)
    refresh = audit(AuditEvent.REFRESH, user_id=user, offset_seconds=5)
    reuse = audit(AuditEvent.REFRESH_REUSE, user_id=user, offset_seconds=6)
    for record in (old, refresh, reuse):
        await log.record(record)
    await storage.committed_audits()

    page = await storage.activity_log().page(
        user, events=SHOWN_EVENTS, since=T0, before=None, limit=10
    )

    assert page == [reuse]
    await storage.close()


async def test_clients_are_distinct_pairs_of_the_window_when_read_back(storage: Storage) -> None:
    user = uuid4()
    log = storage.shared_audit_log()
    for n in range(3):
        await log.record(audit(AuditEvent.REFRESH, user_id=user, offset_seconds=n))
    await log.record(
        audit(AuditEvent.LOGIN_SUCCESS, user_id=user, ip="198.51.100.9", user_agent="Other/1")
    )
    await log.record(audit(AuditEvent.LOGIN_SUCCESS, user_id=user, offset_seconds=-10, ip="::1"))
    await log.record(audit(AuditEvent.LOGOUT, user_id=user, ip="192.0.2.1"))
    await log.record(audit(AuditEvent.LOGIN_SUCCESS, user_id=uuid4(), ip="192.0.2.2"))
    await storage.committed_audits()

    clients = await storage.activity_log().clients_since(
        user,
        events=(AuditEvent.LOGIN_SUCCESS, AuditEvent.REFRESH),
        since=T0,
        limit=100,
    )

    assert sorted((c.ip, c.user_agent) for c in clients) == [
        ("198.51.100.9", "Other/1"),
        ("203.0.113.7", "Mozilla/5.0"),
    ]
    await storage.close()
