from __future__ import annotations

import logging
from typing import NoReturn
from uuid import UUID

import httpx

from apps.auth.domain.errors import IdentityUnavailable
from apps.auth.infrastructure.users_grpc.rpc_metrics import UsersRpcMetrics

logger = logging.getLogger("auth.users")
RPC = "DeleteProfile"


class HttpAccountDeletion:
    """Deletes an account through the users service's own profile endpoint.

    Eco²'s users service deletes a profile on `DELETE /api/v1/users/me` for the user named in
    `X-User-Id` (eco2-team/backend@4c3eebb3, apps/users/presentation/http/controllers/profile.py
    and main.py's `/api/v1/users` prefix); it answers 204. A 404 means there was nothing left
    to delete. Not retried: the caller reports the failure and the user may try again.
    """

    def __init__(self, *, base_url: str, timeout_seconds: float, metrics: UsersRpcMetrics) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds)
        self._metrics = metrics

    async def delete(self, user_id: UUID) -> bool:
        with self._metrics.seconds.labels(RPC).time():
            try:
                answer = await self._client.delete(
                    "/api/v1/users/me", headers={"X-User-Id": str(user_id)}
                )
            except httpx.HTTPError as error:
                outcome = "deadline" if isinstance(error, httpx.TimeoutException) else "unavailable"
                self._failed(outcome, type(error).__name__)
        if answer.status_code in (200, 204):
            self._metrics.calls.labels(RPC, "ok").inc()
            return True
        if answer.status_code == 404:
            self._metrics.calls.labels(RPC, "ok").inc()
            return False
        self._failed("unavailable", f"HTTP {answer.status_code}")

    def _failed(self, outcome: str, cause: str) -> NoReturn:
        self._metrics.calls.labels(RPC, outcome).inc()
        logger.warning("users service: deleting an account failed: %s", cause)
        raise IdentityUnavailable()

    async def aclose(self) -> None:
        await self._client.aclose()
