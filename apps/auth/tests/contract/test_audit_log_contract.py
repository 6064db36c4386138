from __future__ import annotations

from apps.auth.application.common.ports import AuditLog, UnitOfWork, UserRepository
from apps.auth.domain.audit import AuditEvent
from apps.auth.tests.contract.backends import Storage
from apps.auth.tests.contract.builders import audit, new_user


async def test_audit_kept_when_transaction_committed(
    audit_log: AuditLog, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    failure = audit(AuditEvent.LOGIN_FAILURE, reason="INVALID_STATE", user_agent=None, ip=None)
    success = audit(AuditEvent.LOGIN_SUCCESS, offset_seconds=1)

    await audit_log.record(failure)
    await audit_log.record(success)
    await transaction_manager.commit()

    assert await storage.committed_audits() == [failure, success]


async def test_audit_dropped_when_transaction_rolled_back(
    audit_log: AuditLog, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    await audit_log.record(audit())

    await transaction_manager.rollback()
    await transaction_manager.commit()

    assert await storage.committed_audits() == []


async def test_audit_invisible_when_not_yet_committed(
    audit_log: AuditLog, storage: Storage
) -> None:
    await audit_log.record(audit())

    assert await storage.committed_audits() == []


async def test_client_text_truncated_when_longer_than_columns(
    audit_log: AuditLog, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    await audit_log.record(
        audit(user_agent="A" * 2000, ip="1" * 100, provider="x" * 40, reason="R" * 300)
    )
    await transaction_manager.commit()

    [stored] = await storage.committed_audits()
    assert stored.user_agent == "A" * 512
    assert stored.ip == "1" * 64
    assert stored.provider == "x" * 16
    assert stored.reason == "R" * 255


async def test_audit_outlives_user_when_user_deleted(
    user_repository: UserRepository,
    audit_log: AuditLog,
    transaction_manager: UnitOfWork,
    storage: Storage,
) -> None:
    user = new_user()
    await user_repository.save(user)
    await audit_log.record(audit(AuditEvent.ACCOUNT_DELETED, user_id=user.id))
    await transaction_manager.commit()

    await user_repository.delete(user.id)
    await transaction_manager.commit()

    [stored] = await storage.committed_audits()
    assert (stored.event, stored.user_id) == (AuditEvent.ACCOUNT_DELETED, user.id)


async def test_shared_audit_kept_when_caller_transaction_rolled_back(
    audit_log: AuditLog, transaction_manager: UnitOfWork, storage: Storage
) -> None:
    joined = audit(AuditEvent.REFRESH)
    standalone = audit(AuditEvent.LOGOUT, offset_seconds=1, user_agent="U" * 600)
    await audit_log.record(joined)

    await storage.shared_audit_log().record(standalone)
    await transaction_manager.rollback()

    [stored] = await storage.committed_audits()
    assert stored.id == standalone.id
    assert stored.user_agent == "U" * 512
