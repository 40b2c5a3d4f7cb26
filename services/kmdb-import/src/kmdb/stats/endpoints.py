"""Routes of counts over the imported events."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from meridian_kit.errors import error_responses

from kmdb.deps import ReadConnDep, SettingsDep, TokenDep
from kmdb.stats import service
from kmdb.stats.schemas import EventCount

router = APIRouter(dependencies=[TokenDep], responses=error_responses(400, 401, 403, 503))
# Days MySQL's DATETIME holds; `to` stops a day short so the day after it is a date too.
FirstDay = Annotated[dt.date, Query(alias="from", ge=dt.date(1000, 1, 1), le=dt.date(9999, 12, 30))]
LastDay = Annotated[dt.date, Query(alias="to", ge=dt.date(1000, 1, 1), le=dt.date(9999, 12, 30))]


@router.get("/stats/events", response_model=list[EventCount])
async def read_event_counts(
    conn: ReadConnDep,
    settings: SettingsDep,
    start: FirstDay,
    end: LastDay,
    name: Annotated[str | None, Query(max_length=255)] = None,
) -> list[EventCount]:
    """Event counts per UTC day and event name."""
    return await service.event_counts(
        conn, start=start, end=end, name=name, max_seconds=settings.stats_max_seconds
    )
