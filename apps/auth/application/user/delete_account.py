from __future__ import annotations

from dataclasses import dataclass

from apps.auth.application.common.auditor import Auditor
from apps.auth.application.common.ports import Clock, UnitOfWorkFactory
from apps.auth.application.common.token_ports import (
    RevocationRequest,
    RevocationStore,
    SessionStore,
)
from apps.auth.domain.audit import AuditEvent
from apps.auth.domain.session import ClientInfo
from apps.auth.domain.token import Revocation, TokenClaims


@dataclass(frozen=True, slots=True, kw_only=True)
class DeleteAccountRequest:
    caller: TokenClaims
    client: ClientInfo


class DeleteAccountInteractor:
    """Deletes the caller's account after revoking every session and token it holds.

    Revocation comes first, so a failure leaves an account whose tokens no longer work,
    never deleted data with live tokens.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sessions: SessionStore,
        revocations: RevocationStore,
        auditor: Auditor,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._revocations = revocations
        self._audit = auditor
        self._clock = clock

    async def execute(self, request: DeleteAccountRequest) -> None:
        caller = request.caller
        sessions = await self._sessions.list_for_user(caller.sub)
        await self._revocations.revoke(
            RevocationRequest(
                revocations=[Revocation.of(caller, "account_deleted")],
                session_ids=sorted({s.id for s in sessions} | {caller.sid}),
                not_before_user=caller.sub,
                reason="account_deleted",
            ),
            self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.users.delete(caller.sub)
            await uow.audit.record(
                self._audit.entry(
                    AuditEvent.ACCOUNT_DELETED,
                    user_id=caller.sub,
                    provider=caller.provider,
                    client=request.client,
                )
            )
            await uow.commit()
