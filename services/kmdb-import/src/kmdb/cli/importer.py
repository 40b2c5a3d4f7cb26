"""`kmdb-import`: find revision files and enqueue one job per file for kmdb-work."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from meridian_kit.errors import ServiceError

from kmdb.cli.options import (
    Bucket,
    DatabaseUrl,
    Queue,
    RedisUrl,
    fail,
    settings_from,
    setup_logging,
)
from kmdb.imports.discover import ImportStarted
from kmdb.imports.rounds import import_rounds
from kmdb.sources.base import SourceError
from kmdb.sources.open import default_source

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)

Source = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="s3://bucket[/prefix] or file:///dir holding revisions/<N>.json"
        " [default: s3://$AWS_BUCKET]",
        show_default=False,
    ),
]
MinRevision = Annotated[
    int | None,
    typer.Option(
        "--min-revision",
        envvar="KMDB_MIN_REVISION",
        min=0,
        help="First revision to probe [default: after the last known one]",
        show_default=False,
    ),
]
Lookahead = Annotated[
    int | None,
    typer.Option(
        "--lookahead",
        envvar="KMDB_REVISION_LOOKAHEAD",
        min=1,
        help="Missing revisions in a row before giving up [default: 5]",
        show_default=False,
    ),
]
Force = Annotated[
    bool, typer.Option("--force", help="Import again revisions already done (no duplicates).")
]
Follow = Annotated[bool, typer.Option("--follow", help="Keep polling for new revision files.")]
Interval = Annotated[
    float,
    typer.Option("--interval", envvar="KMDB_POLL_SECONDS", min=1, help="Seconds between polls."),
]


def describe(started: ImportStarted) -> str:
    """One line saying what an import round enqueued."""
    enqueued = started.enqueued
    return (
        f"import {started.import_id}: enqueued {len(enqueued)} file(s)"
        + (f" ({enqueued[0]}..{enqueued[-1]})" if enqueued else "")
        + (f", resumed {len(started.resumed)}" if started.resumed else "")
        + (f", {len(started.already_done)} already done" if started.already_done else "")
    )


@app.command()
def main(
    source: Source = None,
    min_revision: MinRevision = None,
    lookahead: Lookahead = None,
    force: Force = False,
    follow: Follow = False,
    interval: Interval = 300.0,
    database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
    queue: Queue = "kmdb",
    bucket: Bucket = None,
) -> None:
    """Probes revisions/<N>.json from --min-revision and enqueues a job per file found."""
    setup_logging("kmdb-import")
    settings = settings_from(
        database_url=database_url,
        redis_url=redis_url,
        queue=queue,
        aws_bucket=bucket,
        min_revision=min_revision,
        revision_lookahead=lookahead,
    )
    url = source or default_source(settings.aws_bucket)
    if not url:
        fail("kmdb-import: give --source s3://bucket[/prefix] or file:///dir, or set AWS_BUCKET")
    assert url
    rounds = import_rounds(
        settings,
        url,
        force=force,
        interval=interval if follow else None,
        report=lambda started: typer.echo(describe(started)),
    )
    try:
        asyncio.run(rounds)
    except (ServiceError, SourceError) as exc:
        fail(f"kmdb-import: {getattr(exc, 'message', exc)}")
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


if __name__ == "__main__":
    app()
