from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from apps.auth.application.session.logout import LogoutRequest
from apps.auth.application.session.logout_all import LogoutAllRequest
from apps.auth.application.session.sessions import RevokeSessionRequest
from apps.auth.application.user.delete_account import DeleteAccountRequest
from apps.auth.domain.device import clean_user_agent
from apps.auth.domain.errors import AccountNotDeleted
from apps.auth.domain.revocation_reason import RevocationReason
from apps.auth.domain.token import TokenClaims
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.cookies import CookieWriter
from apps.auth.presentation.http.dependencies import current_claims
from apps.auth.presentation.http.errors import ERROR_RESPONSES, error_response, status_of
from apps.auth.presentation.http.paths import AUTH_PATH
from apps.auth.presentation.http.request_context import (
    config_of,
    refuse_cross_site,
    request_facts,
)
from apps.auth.presentation.http.schemas import DeviceView

router = APIRouter(prefix=AUTH_PATH, tags=["account"], responses=ERROR_RESPONSES)
Caller = Annotated[TokenClaims, Depends(current_claims)]


class MessageData(BaseModel):
    message: str


class MessageResponse(BaseModel):
    success: bool = True
    data: MessageData


class UserResponse(BaseModel):
    id: UUID
    nickname: str | None
    email: str | None
    profile_image_url: str | None
    providers: list[str]
    created_at: datetime
    last_login_at: datetime | None


class SessionView(BaseModel):
    id: str
    provider: str
    device_id: str | None
    user_agent: str | None
    device: DeviceView
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class SessionsResponse(BaseModel):
    sessions: list[SessionView]
    # What a page that cannot read the HttpOnly cookies needs: which session it is and when
    # its access token runs out (the token itself never leaves the cookie).
    current_session_id: str
    access_expires_at: datetime


def _done(
    request: Request, response: Response, message: str, reason: RevocationReason
) -> MessageResponse:
    api_of(request).metrics.revocations.labels(reason).inc()
    CookieWriter(config=config_of(request)).clear_tokens(response)
    return MessageResponse(data=MessageData(message=message))


@router.get("/me", response_model=UserResponse)
async def me(request: Request, caller: Caller) -> UserResponse:
    user = await api_of(request).services.get_me.execute(caller)
    return UserResponse(
        id=user.id,
        nickname=user.nickname,
        email=user.email,
        profile_image_url=user.profile_image_url,
        # The users service's GetUser carries no linked accounts: the caller's own provider.
        providers=user.providers or [caller.provider],
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


@router.post("/logout", response_model=MessageResponse, dependencies=[Depends(refuse_cross_site)])
async def logout(
    request: Request,
    response: Response,
) -> MessageResponse:
    facts = request_facts(request)
    await api_of(request).services.logout.execute(
        LogoutRequest(
            access_token=facts.access_token,
            refresh_token=facts.refresh_token,
            client=facts.client,
        )
    )
    return _done(request, response, "Successfully logged out", RevocationReason.LOGOUT)


@router.post(
    "/logout-all", response_model=MessageResponse, dependencies=[Depends(refuse_cross_site)]
)
async def logout_all(
    request: Request,
    response: Response,
    caller: Caller,
) -> MessageResponse:
    await api_of(request).services.logout_all.execute(
        LogoutAllRequest(caller=caller, client=request_facts(request).client)
    )
    return _done(request, response, "Logged out of every session", RevocationReason.LOGOUT_ALL)


@router.get("/sessions", response_model=SessionsResponse)
async def sessions(request: Request, caller: Caller) -> SessionsResponse:
    result = await api_of(request).services.list_sessions.execute(caller)
    return SessionsResponse(
        sessions=[
            SessionView(
                id=s.id,
                provider=s.provider,
                device_id=s.client.device_id,
                user_agent=clean_user_agent(s.client.user_agent),
                device=DeviceView.of(result.devices[s.id]),
                ip=s.client.ip,
                created_at=s.created_at,
                last_used_at=s.last_used_at,
                expires_at=s.expires_at,
                current=s.id == result.current_session_id,
            )
            for s in result.sessions
        ],
        current_session_id=result.current_session_id,
        access_expires_at=caller.expires_at,
    )


@router.delete(
    "/sessions/{session_id}",
    response_model=MessageResponse,
    dependencies=[Depends(refuse_cross_site)],
)
async def revoke_session(
    request: Request,
    response: Response,
    caller: Caller,
    session_id: Annotated[str, Path(max_length=128, pattern=r"^[A-Za-z0-9_-]+$")],
) -> MessageResponse:
    await api_of(request).services.revoke_session.execute(
        RevokeSessionRequest(
            caller=caller, session_id=session_id, client=request_facts(request).client
        )
    )
    api_of(request).metrics.revocations.labels(RevocationReason.SESSION_REVOKED).inc()
    return MessageResponse(data=MessageData(message="Session revoked"))


@router.delete("/me", response_model=MessageResponse, dependencies=[Depends(refuse_cross_site)])
async def delete_me(
    request: Request,
    response: Response,
    caller: Caller,
) -> MessageResponse | JSONResponse:
    try:
        await api_of(request).services.delete_account.execute(
            DeleteAccountRequest(caller=caller, client=request_facts(request).client)
        )
    except AccountNotDeleted as error:
        # Every session has ended: the browser drops its tokens even though the account stays.
        failed = error_response(error.code, error.detail, status_of(error))
        CookieWriter(config=config_of(request)).clear_tokens(failed)
        api_of(request).metrics.revocations.labels(RevocationReason.ACCOUNT_DELETED).inc()
        return failed
    return _done(request, response, "Account deleted", RevocationReason.ACCOUNT_DELETED)
