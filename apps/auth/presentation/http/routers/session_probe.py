"""`GET /session`: whether the browser's cookies hold a live session, always answered 200.

A page that cannot read its HttpOnly cookies asks here first, so a signed-out visit costs no
401 (which browsers log as console errors) and a session ended elsewhere is named by its code.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from apps.auth.application.token.verify import ValidateTokenRequest
from apps.auth.domain.errors import InvalidToken, TokenExpired, TokenRevoked, TokenTypeMismatch
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.errors import ERROR_RESPONSES
from apps.auth.presentation.http.paths import AUTH_PATH
from apps.auth.presentation.http.request_context import request_facts

router = APIRouter(prefix=AUTH_PATH, tags=["account"], responses=ERROR_RESPONSES)
# Only what the token itself says: storage trouble still answers 503, as on every route.
_SIGNED_OUT = (InvalidToken, TokenExpired, TokenRevoked, TokenTypeMismatch)


class SessionProbeResponse(BaseModel):
    signed_in: bool
    # Why not, as the error code `/me` would answer: MISSING_TOKEN, TOKEN_EXPIRED, ...
    code: str | None = None
    # A refresh token came with the request (not checked here): POST /refresh may revive it.
    refreshable: bool


@router.get("/session", response_model=SessionProbeResponse)
async def session_probe(request: Request, response: Response) -> SessionProbeResponse:
    response.headers["Cache-Control"] = "no-store"
    facts = request_facts(request)
    refreshable = facts.refresh_token is not None
    query = api_of(request).services.validate_token
    try:
        await query.execute(ValidateTokenRequest(token=facts.access_token))
    except _SIGNED_OUT as error:
        return SessionProbeResponse(signed_in=False, code=error.code, refreshable=refreshable)
    return SessionProbeResponse(signed_in=True, refreshable=refreshable)
