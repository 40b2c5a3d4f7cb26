"""`kmdb-work`: import workers on the Redis queue (RESQUE_WORKERS or -n processes)."""

from __future__ import annotations

import functools
import sys
from typing import Annotated

import typer

from kmdb.cli.options import DatabaseUrl, Queue, RedisUrl, settings_from, setup_logging
from kmdb.cli.progress import show_progress
from kmdb.queue.processes import run_children
from kmdb.queue.worker import run_worker

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)

Workers = Annotated[
    int | None,
    typer.Option(
        "-n",
        "--workers",
        envvar="RESQUE_WORKERS",
        min=1,
        help="Worker processes [default: 1]",
        show_default=False,
    ),
]
Burst = Annotated[
    bool,
    typer.Option(
        "--burst", help="Work until the queue is empty, then exit (1 if a job failed for good)."
    ),
]
BatchSize = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        envvar="KMDB_BATCH_SIZE",
        min=1,
        help="Lines per batch [default: 10000]",
        show_default=False,
    ),
]
JobTimeout = Annotated[
    int | None,
    typer.Option(
        "--job-timeout",
        envvar="KMDB_JOB_TIMEOUT",
        min=4,
        help="Seconds a job may run; it hands over after half [default: 600]",
        show_default=False,
    ),
]
ShowProgress = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bars [default: on a terminal]",
        show_default=False,
    ),
]


@app.command()
def main(
    workers: Workers = None,
    burst: Burst = False,
    batch_size: BatchSize = None,
    job_timeout: JobTimeout = None,
    progress: ShowProgress = None,
    database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
    queue: Queue = "kmdb",
) -> None:
    """Runs import workers; each takes one revision file at a time."""
    setup_logging("kmdb-work")
    settings = settings_from(
        database_url=database_url,
        redis_url=redis_url,
        queue=queue,
        workers=workers,
        batch_size=batch_size,
        job_timeout=job_timeout,
    )
    bars = sys.stdout.isatty() if progress is None else progress
    if settings.workers == 1 and not bars:
        raise typer.Exit(1 if run_worker(settings, burst) else 0)
    watch = functools.partial(show_progress, settings) if bars else None
    setup = functools.partial(setup_logging, "kmdb-work")
    raise typer.Exit(run_children(settings, settings.workers, burst, setup=setup, watch=watch))


if __name__ == "__main__":
    app()
