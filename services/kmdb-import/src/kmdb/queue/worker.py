"""Runs arq workers for kmdb: one file loading at a time per worker process, the next one read
and resolved meanwhile."""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from aiobotocore.session import get_session
from arq import Worker, func
from meridian_kit.redis_urls import arq_settings

from kmdb.db import SpareConnection, connect
from kmdb.importer.run import Stages, Turns
from kmdb.queue.jobs import import_file
from kmdb.queue.names import FUNCTION, queue_name
from kmdb.settings import Settings
from kmdb.sources.open import open_source

# How often an idle worker looks at the queue (and at jobs deferred for a retry).
IDLE_POLL_SECONDS = 0.5


class ChainingWorker(Worker):  # type: ignore[misc]
    """An arq Worker that looks for its next job as soon as its current one ends.

    arq sleeps `poll_delay` between two looks at the queue, whatever happened meanwhile: with one
    job at a time, each file then waited up to half a second, which was most of a small file's
    cost. Here the loop sleeps until one of this worker's jobs ends (then looks again at once) or
    IDLE_POLL_SECONDS pass (new or deferred jobs, heartbeat). Jobs are still taken only through
    arq's own claim (its in-progress key), so nothing is run twice or left behind.
    """

    def __init__(self, *args: Any, idle_poll: float = IDLE_POLL_SECONDS, **kwargs: Any):
        super().__init__(*args, poll_delay=0, **kwargs)
        self.idle_poll = idle_poll
        # Looks at the queue that followed a full idle_poll wait rather than a job's end.
        self.idle_polls = 0
        self._job_ended = asyncio.Event()
        self._watched: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """Starts jobs as arq does, and wakes the loop when each of them ends."""
        await super().start_jobs(job_ids)
        stages: Stages | None = self.ctx.get("stages")
        for job_id, task in self.tasks.items():  # in the order arq started them
            if task not in self._watched:
                self._watched.add(task)
                if stages is not None:
                    stages.front.announce(job_id)
                    task.add_done_callback(functools.partial(_leave, stages.front, job_id))
                # Added after arq's own callback, which frees the job's slot: runs after it.
                task.add_done_callback(lambda _: self._job_ended.set())

    async def _poll_iteration(self) -> None:
        # arq's main loop calls this, then sleeps poll_delay (0 here): the wait is ours.
        self._job_ended.clear()
        await super()._poll_iteration()
        try:
            async with asyncio.timeout(self.idle_poll):  # wait_for drops a cancellation (3.11)
                await self._job_ended.wait()
        except TimeoutError:
            self.idle_polls += 1


def _leave(turns: Turns, job_id: str, _: asyncio.Task[Any]) -> None:
    """A job ended: it no longer holds up the files started after it."""
    turns.leave(job_id)


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
        ctx["connect"] = spare = SpareConnection(
            functools.partial(connect, settings, local_infile=True)
        )
        ctx["keep"] = spare.keep
        ctx["open_source"] = functools.partial(open_source, s3_client=s3)
        ctx["on_batch"] = on_batch
        ctx["stages"] = Stages()

    async def shutdown(ctx: dict[str, Any]) -> None:
        ctx["connect"].close()
        await stack.aclose()

    return ChainingWorker(
        functions=[
            func(
                import_file,
                name=FUNCTION,
                max_tries=settings.max_tries,
                timeout=settings.job_timeout,
            )
        ],
        redis_settings=arq_settings(settings.redis_url),
        queue_name=queue_name(settings),
        burst=burst,
        # Two jobs, as a pipeline (importer.run.Stages): one file loads while the next is read.
        max_jobs=2,
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
        except asyncio.CancelledError:
            # SIGTERM/SIGINT: arq cancels its loop (a running job is retried elsewhere).
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
        finally:
            await worker.close()
        return worker.jobs_failed

    return asyncio.run(main())
