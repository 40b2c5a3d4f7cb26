"""Event counts per day and name for the API; no FastAPI here."""

from __future__ import annotations

import datetime as dt

from asyncmy.connection import Connection
from meridian_kit.errors import BadRequest

from kmdb.db import StatementTimedOut
from kmdb.stats import store
from kmdb.stats.schemas import EventCount


async def event_counts(
    conn: Connection, *, start: dt.date, end: dt.date, name: str | None, max_seconds: float
) -> list[EventCount]:
    """Events per UTC day and name, start..end inclusive; the database counts for max_seconds."""
    if end < start:
        raise BadRequest("'to' is before 'from'", detail={"field": "to"})
    if (end - start).days > 3660:
        raise BadRequest("at most ten years at a time", detail={"field": "to"})
    try:
        rows = await store.count_events(
            conn, start=start, stop=end + dt.timedelta(days=1), name=name, max_seconds=max_seconds
        )
    except StatementTimedOut:
        raise BadRequest(
            f"these days hold more events than can be counted in {max_seconds:g} s"
            " (KMDB_STATS_MAX_SECONDS): ask for fewer days or one event name",
            detail={"field": "to"},
        ) from None
    return [EventCount(day=day, name=n, count=count) for day, n, count in rows]
