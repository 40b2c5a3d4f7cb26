"""Runs arq workers for kmdb: one job at a time per worker process."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from aiobotocore.session import get_session
from arq import Worker, func
from arq.connections import RedisSettings

from kmdb.db import connect
from kmdb.queue.jobs import import_file
from kmdb.queue.names import FUNCTION, queue_name
from kmdb.settings import Settings
from kmdb.sources.open import open_source


def build_worker(
    settings: Settings,
    *,
    burst: bool,
    on_batch: Callable[..., None] | None = None,
    handle_signals: bool = True,
) -> Worker:
    """An arq Worker running import_file jobs from this KMDB_QUEUE."""
    stack = AsyncExitStack()

    async def startup(ctx: dict[str, Any]) -> None:
        s3 = await stack.enter_async_context(
            get_session().create_client("s3", **settings.s3_client_args())
        )
        ctx["settings"] = settings
        ctx["connect"] = functools.partial(connect, settings, local_infile=True)
        ctx["open_source"] = functools.partial(open_source, s3_client=s3)
        ctx["on_batch"] = on_batch

    async def shutdown(ctx: dict[str, Any]) -> None:
        await stack.aclose()

    return Worker(
        functions=[
            func(
                import_file,
                name=FUNCTION,
                max_tries=settings.max_tries,
                timeout=settings.job_timeout,
            )
        ],
        redis_settings=RedisSettings.from_dsn(settings.redis_url),
        queue_name=queue_name(settings),
        burst=burst,
        max_jobs=1,
        poll_delay=0.5,
        keep_result=7 * 86400,
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=handle_signals,
    )


def run_worker(settings: Settings, burst: bool) -> int:
    """Runs one worker until stopped (or, with burst, until the queue is empty); failed job count."""

    async def main() -> int:
        worker = build_worker(settings, burst=burst)
        try:
            await worker.async_run()
        finally:
            await worker.close()
        return worker.jobs_failed

    return asyncio.run(main())
