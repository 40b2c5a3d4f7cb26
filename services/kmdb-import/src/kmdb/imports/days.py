"""An import's own events per UTC day; no FastAPI here.

Events carry no import id, but every row's id says which revision file and line it was made from
(dealias.ids.row_base), and `dumpfiles.import_id` says which files an import added or took over.
So an import's events are the rows whose ids fall in its files' revision ranges: a range scan of
the events' primary key, counted by the database itself within KMDB_STATS_MAX_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from asyncmy.connection import Connection
from meridian_kit.errors import NotFound, Unavailable

from kmdb.db import StatementTimedOut, fetchall, fetchall_within
from kmdb.dealias.ids import revision_range
from kmdb.imports import store
from kmdb.imports.schemas import DayCount, ImportDaysOut

RANGES_PER_QUERY = 200  # OR-ed id ranges in one statement; more files are counted in turns


def revision_ranges(revisions: Iterable[int]) -> list[tuple[int, int]]:
    """[low, high) row-id ranges covering these revisions' rows, consecutive revisions merged."""
    ranges: list[tuple[int, int]] = []
    for revision in sorted(set(revisions)):
        low, high = revision_range(revision)
        if ranges and ranges[-1][1] == low:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return ranges


async def _revisions_of(conn: Connection, import_id: str) -> list[int]:
    rows = await fetchall(
        conn, "SELECT revision FROM dumpfiles WHERE import_id = %s ORDER BY revision", (import_id,)
    )
    return [int(r[0]) for r in rows]


async def _count_by_day(
    conn: Connection, ranges: list[tuple[int, int]], seconds: float
) -> list[tuple[dt.date, int]]:
    where = " OR ".join(["(id >= %s AND id < %s)"] * len(ranges))
    args: list[Any] = [bound for pair in ranges for bound in pair]
    rows = await fetchall_within(
        conn,
        f"SELECT DATE(t) AS day, COUNT(*) FROM events WHERE {where} GROUP BY day",
        args,
        seconds=seconds,
    )
    return [(r[0], int(r[1])) for r in rows]


async def events_per_day(conn: Connection, import_id: str, *, max_seconds: float) -> ImportDaysOut:
    """The import's events per UTC day (days with none left out), oldest first; 404 if unknown,
    503 when they take longer than `max_seconds` in all to count."""
    if await store.get_import(conn, import_id) is None:
        raise NotFound(f"no import {import_id}")
    revisions = await _revisions_of(conn, import_id)
    ranges = revision_ranges(revisions)
    deadline = time.monotonic() + max_seconds
    by_day: dict[dt.date, int] = {}
    try:
        for at in range(0, len(ranges), RANGES_PER_QUERY):
            left = deadline - time.monotonic()
            if left <= 0:
                raise StatementTimedOut(f"stopped after {max_seconds:g} s")
            chunk = ranges[at : at + RANGES_PER_QUERY]
            for day, count in await _count_by_day(conn, chunk, left):
                by_day[day] = by_day.get(day, 0) + count
    except StatementTimedOut:
        raise Unavailable(
            f"this import's events took longer than {max_seconds:g} s to count"
            " (KMDB_STATS_MAX_SECONDS); GET /stats/events counts them a few days at a time",
            retry_after=60,
        ) from None
    days = [DayCount(day=day, count=by_day[day]) for day in sorted(by_day)]
    return ImportDaysOut(
        import_id=import_id,
        revisions=len(revisions),
        total=sum(d.count for d in days),
        days=days,
    )
