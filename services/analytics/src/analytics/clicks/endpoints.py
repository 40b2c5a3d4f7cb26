"""/analytic/usercount and /analytic/eventcount: the 1.x click counters, still used by older
clients (removed by the original in 2.0)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from analytics.auth import ApiKey
from analytics.clicks import service
from analytics.deps import EsDep, IndicesDep
from analytics.errors import status_responses
from analytics.strict_types import Text

router = APIRouter(prefix="/analytic", tags=["analytics (1.x)"], dependencies=[ApiKey])


class UserClicks(BaseModel):
    """Clicks of one user per event, as 1.x answered (`status`/`code` in the body)."""

    type: str = "click_per_user"
    user: str
    click: dict[str, int]
    status: str = "ok"
    code: int = 200
    truncated: bool = False


class EventClicks(BaseModel):
    """Clicks on one event per user, as 1.x answered."""

    type: str = "click_per_event"
    event: str
    click: dict[str, int]
    status: str = "ok"
    code: int = 200
    truncated: bool = False


@router.get("/usercount", response_model=UserClicks, responses=status_responses())
async def user_clicks(
    es: EsDep, indices: IndicesDep, userId: Text, project: Text | None = None
) -> Any:
    """Logs whose `metadata.userId` is the user, counted per `metadata.eventId`."""
    counts, more = await service.clicks(
        es=es, indices=indices, match="userId", value=userId, per="eventId", project=project
    )
    return {"user": userId, "click": counts, "truncated": more}


@router.get("/eventcount", response_model=EventClicks, responses=status_responses())
async def event_clicks(
    es: EsDep, indices: IndicesDep, eventId: Text, project: Text | None = None
) -> Any:
    """Logs whose `metadata.eventId` is the event, counted per `metadata.userId`."""
    counts, more = await service.clicks(
        es=es, indices=indices, match="eventId", value=eventId, per="userId", project=project
    )
    return {"event": eventId, "click": counts, "truncated": more}
