"""Sending jobs from the web process: Celery's client run off the event loop."""

from __future__ import annotations

import logging

from celery import Celery
from meridian_kit.errors import Unavailable
from starlette.concurrency import run_in_threadpool

from analytics.worker.celery_app import UPDATE_ANALYTIC, UPDATE_ANALYTICS

log = logging.getLogger("analytics.queue")
_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}


class JobQueue:
    """Queues analytic computations on the job broker."""

    def __init__(self, celery: Celery, queue: str):
        self.celery = celery
        self.queue = queue

    async def _send(self, name: str, *args: object) -> str:
        try:
            result = await run_in_threadpool(
                self.celery.send_task,
                name,
                args=list(args),
                queue=self.queue,
                retry=True,
                retry_policy=_POLICY,
            )
        except Exception as exc:
            log.warning("job broker unavailable: %s", exc)
            raise Unavailable(
                "the job broker is not answering, retry later", retry_after=5
            ) from exc
        return str(result.id)

    async def update_analytic(self, analytic_id: str) -> str:
        """Queues one analytic; returns the job id."""
        return await self._send(UPDATE_ANALYTIC, analytic_id)

    async def update_analytics(self, time_window_type: str | None) -> str:
        """Queues every analytic of a window type (or every one due); returns the job id."""
        return await self._send(UPDATE_ANALYTICS, time_window_type)
