"""`kmdb-import`: find revision files and enqueue one job per file for kmdb-work."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer
from aiobotocore.session import get_session
from arq import create_pool
from meridian_kit.errors import ServiceError
from meridian_kit.redis_urls import arq_settings

from kmdb.cli.options import DatabaseUrl, Queue, RedisUrl, fail, settings_from, setup_logging
from kmdb.db import connection
from kmdb.imports.discover import start_import
from kmdb.schema.service import create_or_upgrade
from kmdb.sources.base import SourceError
from kmdb.sources.open import default_source, open_source

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)
log = logging.getLogger("kmdb.import")


@app.command()
def main(
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="s3://bucket[/prefix] or file:///dir holding revisions/<N>.json"
            " [default: s3://$AWS_BUCKET]",
            show_default=False,
        ),
    ] = None,
    min_revision: Annotated[
        int | None,
        typer.Option(
            "--min-revision",
            envvar="KMDB_MIN_REVISION",
            min=0,
            help="First revision to probe [default: after the last known one]",
            show_default=False,
        ),
    ] = None,
    lookahead: Annotated[
        int | None,
        typer.Option(
            "--lookahead",
            envvar="KMDB_REVISION_LOOKAHEAD",
            min=1,
            help="Missing revisions in a row before giving up [default: 5]",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Import again revisions already done (no duplicates).")
    ] = False,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep polling for new revision files.")
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", envvar="KMDB_POLL_SECONDS", min=1, help="Seconds between polls."
        ),
    ] = 300.0,
    database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
    queue: Queue = "kmdb",
    bucket: Annotated[
        str | None, typer.Option("--bucket", envvar="AWS_BUCKET", show_default=False)
    ] = None,
) -> None:
    """Probes revisions/<N>.json from --min-revision and enqueues a job per file found."""
    setup_logging()
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

    async def run() -> None:
        arq = await create_pool(arq_settings(settings.redis_url))
        async with (
            get_session().create_client("s3", **settings.s3_client_args()) as s3,
            connection(settings) as conn,
        ):
            await create_or_upgrade(conn)
            src = open_source(url, s3)
            first_round = True
            while True:
                started = await start_import(conn, arq, settings, src, force=force and first_round)
                typer.echo(
                    f"import {started.import_id}: enqueued {len(started.enqueued)} file(s)"
                    + (
                        f" ({started.enqueued[0]}..{started.enqueued[-1]})"
                        if started.enqueued
                        else ""
                    )
                    + (f", resumed {len(started.resumed)}" if started.resumed else "")
                    + (
                        f", {len(started.already_done)} already done"
                        if started.already_done
                        else ""
                    )
                )
                first_round = False
                if not follow:
                    break
                await asyncio.sleep(interval)
        await arq.aclose()

    try:
        asyncio.run(run())
    except (ServiceError, SourceError) as exc:
        fail(f"kmdb-import: {getattr(exc, 'message', exc)}")
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


if __name__ == "__main__":
    app()
