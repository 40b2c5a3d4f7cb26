"""`analytics-worker` and `analytics-scheduler`: Celery's worker and beat on our settings."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from meridian_kit.logs import configure_logging
from meridian_kit.observability import init_sentry
from meridian_kit.settings import load_settings

from analytics.settings import Settings
from analytics.worker.celery_app import create_celery


def worker_main(argv: list[str] | None = None) -> None:
    """Consumes analytic jobs from the Redis broker (CELERY_BROKER_URL)."""
    parser = argparse.ArgumentParser(
        prog="analytics-worker", description="Computes analytics queued on the job broker."
    )
    parser.add_argument(
        "--concurrency", type=int, default=int(os.environ.get("ANALYTICS_WORKER_CONCURRENCY", 2))
    )
    parser.add_argument("--pool", default=os.environ.get("ANALYTICS_WORKER_POOL", "prefork"))
    parser.add_argument("--loglevel", default="INFO")
    parser.add_argument("--hostname", default=None, help="the worker's node name")
    args = parser.parse_args(argv)
    settings = load_settings("analytics-worker", Settings)
    configure_logging("analytics-worker")
    init_sentry("analytics-worker")
    app = create_celery(settings)
    options = [
        "worker",
        "--queues",
        settings.queue,
        "--loglevel",
        args.loglevel,
        "--concurrency",
        str(args.concurrency),
        "--pool",
        args.pool,
        "--without-gossip",
        "--without-mingle",
    ]
    if args.hostname:
        options += ["--hostname", args.hostname]
    app.worker_main(options)


def scheduler_main(argv: list[str] | None = None) -> None:
    """Queues the daily update (moving windows, fixed windows not over) at ANALYTICS_SCHEDULE_HOUR."""
    parser = argparse.ArgumentParser(
        prog="analytics-scheduler", description="Schedules the daily analytics update."
    )
    parser.add_argument(
        "--schedule-file",
        default=os.environ.get("ANALYTICS_SCHEDULE_FILE")
        or str(Path(tempfile.gettempdir()) / "analytics-celerybeat-schedule"),
    )
    parser.add_argument("--loglevel", default="INFO")
    args = parser.parse_args(argv)
    settings = load_settings("analytics-scheduler", Settings)
    configure_logging("analytics-scheduler")
    init_sentry("analytics-scheduler")
    app = create_celery(settings)
    app.start(["beat", "--loglevel", args.loglevel, "--schedule", args.schedule_file])
