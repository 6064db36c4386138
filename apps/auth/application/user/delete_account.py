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
    never deleted data with live tokens. A login of the same identity running at the same
    time holds the user's row until it commits, after opening its session; the delete waits
    for it, so a second sweep after the delete ends any session opened meanwhile.
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
        await self._sweep(caller, [Revocation.of(caller, "account_deleted")], {caller.sid})
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
        await self._sweep(caller, [], set())

    async def _sweep(
        self, caller: TokenClaims, revocations: list[Revocation], extra: set[str]
    ) -> None:
        sessions = await self._sessions.list_for_user(caller.sub)
        await self._revocations.revoke(
            RevocationRequest(
                revocations=revocations,
                session_ids=sorted(({s.id for s in sessions} | extra) - {""}),
                not_before_user=caller.sub,
                reason="account_deleted",
            ),
            self._clock.now(),
        )
