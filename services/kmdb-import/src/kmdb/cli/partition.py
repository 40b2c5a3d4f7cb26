"""`kmdb-partition`: RANGE partitions on t from KMDB_MIN_DATE to KMDB_MAX_DATE; only ever adds."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

import typer
from meridian_kit.errors import BadRequest

from kmdb.cli.options import DatabaseUrl, fail, settings_from, setup_logging
from kmdb.db import connection
from kmdb.partitions.service import partition_all
from kmdb.schema.service import create_or_upgrade

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)


@app.command()
def main(
    database_url: DatabaseUrl = None,
    min_date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--min-date", envvar="KMDB_MIN_DATE", formats=["%Y-%m-%d"], show_default=False
        ),
    ] = None,
    max_date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--max-date", envvar="KMDB_MAX_DATE", formats=["%Y-%m-%d"], show_default=False
        ),
    ] = None,
    days_per_partition: Annotated[
        int | None,
        typer.Option(
            "--days-per-partition", envvar="KMDB_DAYS_PER_PARTITION", min=1, help="[default: 7]"
        ),
    ] = None,
) -> None:
    """Adds partitions of events and properties covering min-date..max-date."""
    setup_logging("kmdb-partition")
    settings = settings_from(
        database_url=database_url,
        min_date=min_date.date() if min_date else None,
        max_date=max_date.date() if max_date else None,
        days_per_partition=days_per_partition,
    )
    low, high = settings.min_date, settings.max_date
    if low is None or high is None:
        fail("kmdb-partition: set KMDB_MIN_DATE and KMDB_MAX_DATE (or --min-date/--max-date)")
        return

    async def run() -> None:
        async with connection(settings) as conn:
            await create_or_upgrade(conn)
            try:
                reports = await partition_all(conn, low, high, settings.days_per_partition)
            except BadRequest as exc:
                fail(f"kmdb-partition: {exc.message}")
                return
        for r in reports:
            added = f"added {len(r.added)}" + (f" ({r.added[0]}..{r.added[-1]})" if r.added else "")
            typer.echo(f"{r.table}: {added}, {r.total} partitions")

    asyncio.run(run())


if __name__ == "__main__":
    app()
