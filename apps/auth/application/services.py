from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apps.auth.application.common.health import ReadinessQuery
from apps.auth.application.common.rate_limit import RateLimiter
from apps.auth.application.oauth.authorize import StartLoginInteractor
from apps.auth.application.oauth.callback import CompleteLoginInteractor
from apps.auth.application.session.logout import LogoutInteractor
from apps.auth.application.session.logout_all import LogoutAllInteractor
from apps.auth.application.session.sessions import ListSessionsQuery, RevokeSessionInteractor
from apps.auth.application.token.refresh import RefreshTokensInteractor
from apps.auth.application.token.verify import ValidateTokenQuery
from apps.auth.application.user.activity import ListActivityQuery
from apps.auth.application.user.delete_account import DeleteAccountInteractor
from apps.auth.application.user.get_me import GetCurrentUserQuery


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    """Every use case of the auth service, wired once per process."""

    start_login: StartLoginInteractor
    complete_login: CompleteLoginInteractor
    refresh: RefreshTokensInteractor
    validate_token: ValidateTokenQuery
    logout: LogoutInteractor
    logout_all: LogoutAllInteractor
    list_sessions: ListSessionsQuery
    revoke_session: RevokeSessionInteractor
    get_me: GetCurrentUserQuery
    list_activity: ListActivityQuery
    delete_account: DeleteAccountInteractor
    readiness: ReadinessQuery
    limiter: RateLimiter
    outbox_depth: Callable[[], Awaitable[float]]
