"""`kmdb-work`: import workers on the Redis queue (RESQUE_WORKERS or -n processes)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import threading
from typing import Annotated

import typer

from kmdb.cli.options import DatabaseUrl, Queue, RedisUrl, settings_from, setup_logging
from kmdb.cli.progress import show_progress
from kmdb.queue.worker import run_worker
from kmdb.settings import Settings

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)


def _child(settings: Settings, burst: bool) -> None:
    setup_logging()
    sys.exit(1 if run_worker(settings, burst) else 0)


def _run_children(settings: Settings, count: int, burst: bool, bars: bool) -> int:
    """Runs `count` worker processes; the highest exit code wins."""
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=_child, args=(settings, burst)) for _ in range(count)]
    for child in children:
        child.start()

    def forward(signum: int, _: object) -> None:
        for child in children:
            if child.is_alive() and child.pid:
                os.kill(child.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    if bars:
        watcher = threading.Thread(
            target=lambda: asyncio.run(
                show_progress(settings, lambda: any(c.is_alive() for c in children))
            ),
            daemon=True,
        )
        watcher.start()
    for child in children:
        child.join()
    return max((child.exitcode or 0) for child in children)


@app.command()
def main(
    workers: Annotated[
        int | None,
        typer.Option(
            "-n",
            "--workers",
            envvar="RESQUE_WORKERS",
            min=1,
            help="Worker processes [default: 1]",
            show_default=False,
        ),
    ] = None,
    burst: Annotated[
        bool,
        typer.Option(
            "--burst", help="Work until the queue is empty, then exit (1 if a job failed for good)."
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            envvar="KMDB_BATCH_SIZE",
            min=1,
            help="Lines per batch [default: 10000]",
            show_default=False,
        ),
    ] = None,
    job_timeout: Annotated[
        int | None,
        typer.Option(
            "--job-timeout",
            envvar="KMDB_JOB_TIMEOUT",
            min=4,
            help="Seconds a job may run; it hands over after half [default: 600]",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="Progress bars [default: on a terminal]",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
    queue: Queue = "kmdb",
) -> None:
    """Runs import workers; each takes one revision file at a time."""
    setup_logging()
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
        failed = run_worker(settings, burst)
        raise typer.Exit(1 if failed else 0)
    raise typer.Exit(_run_children(settings, settings.workers, burst, bars))


if __name__ == "__main__":
    app()
