from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from apps.auth.application.user.activity import MAX_LIMIT, ListActivityRequest
from apps.auth.domain.activity import Activity
from apps.auth.domain.token import TokenClaims
from apps.auth.presentation.http.api import api_of
from apps.auth.presentation.http.dependencies import current_claims
from apps.auth.presentation.http.errors import ERROR_RESPONSES
from apps.auth.presentation.http.paths import AUTH_PATH
from apps.auth.presentation.http.schemas import DeviceView

router = APIRouter(prefix=AUTH_PATH, tags=["account"], responses=ERROR_RESPONSES)
Caller = Annotated[TokenClaims, Depends(current_claims)]

ActivityKindName = Literal[
    "sign_in", "sign_out", "sign_out_all", "session_ended", "session_compromised", "account_change"
]


class ActivityView(BaseModel):
    id: str
    kind: ActivityKindName
    at: datetime = Field(description="UTC, ISO 8601")
    provider: str | None
    device: DeviceView | None
    network: str | None = Field(description='masked: "203.0.113.x" or "2001:db8:1::/48"')
    new_device: bool

    @classmethod
    def of(cls, item: Activity) -> ActivityView:
        return cls(
            id=str(item.id),
            kind=item.kind.value,
            at=item.at,
            provider=item.provider,
            device=DeviceView.of(item.device) if item.device else None,
            network=item.network,
            new_device=item.new_device,
        )


class ActivityResponse(BaseModel):
    items: list[ActivityView]
    next_cursor: str | None


@router.get("/me/activity", response_model=ActivityResponse)
async def activity(
    request: Request,
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> ActivityResponse:
    result = await api_of(request).services.list_activity.execute(
        ListActivityRequest(caller=caller, limit=limit, cursor=cursor)
    )
    return ActivityResponse(
        items=[ActivityView.of(item) for item in result.items], next_cursor=result.next_cursor
    )
