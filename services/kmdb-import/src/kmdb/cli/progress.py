"""Progress bars for kmdb-work on a terminal: files, lines (bytes) and events/s, from MySQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from kmdb.db import connection, fetchall
from kmdb.settings import Settings

TOTALS = (
    "SELECT COUNT(*), COALESCE(SUM(status = 'done'), 0), COALESCE(SUM(line), 0),"
    " COALESCE(SUM(`offset`), 0), COALESCE(SUM(`length`), 0), COALESCE(SUM(events), 0)"
    " FROM dumpfiles"
)


async def show_progress(settings: Settings, running: Callable[[], bool]) -> None:
    """Draws the bars until running() turns false; every worker on every machine is counted."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as progress:
        files = progress.add_task("files", total=None, detail="")
        lines = progress.add_task("lines", total=None, detail="")
        last: tuple[float, int] | None = None
        while running():
            try:
                async with connection(settings) as conn:
                    while running():
                        row = (await fetchall(conn, TOTALS))[0]
                        count, done, line, offset, length, events = map(int, row)
                        now = time.monotonic()
                        rate = (
                            (events - last[1]) / (now - last[0]) if last and now > last[0] else 0.0
                        )
                        last = (now, events)
                        progress.update(
                            files, total=count, completed=done, detail=f"{done}/{count}"
                        )
                        progress.update(
                            lines,
                            total=length or None,
                            completed=offset,
                            detail=f"{line:,} lines, {events:,} events, {rate:,.0f} events/s",
                        )
                        await asyncio.sleep(1)
            except Exception:
                await asyncio.sleep(2)  # MySQL is away: the workers pause, so do the bars
