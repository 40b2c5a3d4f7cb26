"""Event counts per day, bounded in time by the server itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from asyncmy.connection import Connection

from kmdb.db import fetchall_within


async def count_events(
    conn: Connection, *, start: dt.date, stop: dt.date, name: str | None, max_seconds: float
) -> list[tuple[dt.date, str, int]]:
    """(day, name, count) of events in [start, stop); StatementTimedOut past max_seconds."""
    args: list[Any] = [start, stop]
    extra = ""
    if name is not None:
        extra, args = " AND k.string = %s", [*args, name]
    rows = await fetchall_within(
        conn,
        "SELECT DATE(e.t) AS day, k.string, COUNT(*) FROM events e JOIN `keys` k ON k.id = e.n"
        f" WHERE e.t >= %s AND e.t < %s{extra} GROUP BY day, k.string ORDER BY day, k.string",
        args,
        seconds=max_seconds,
    )
    return [(r[0], r[1], r[2]) for r in rows]
