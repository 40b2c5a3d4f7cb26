"""Sending jobs from the web process: once per job while it waits (a Redis marker), off the loop."""

from __future__ import annotations

import contextlib
import logging

from celery import Celery
from meridian_kit.errors import Unavailable
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from analytics.worker.celery_app import UPDATE_ANALYTIC, UPDATE_ANALYTICS
from analytics.worker.queued import marker_key, new_job_id, release_async

log = logging.getLogger("analytics.queue")
_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1}


def _broker_down(exc: Exception) -> Unavailable:
    log.warning("job broker unavailable: %s", exc)
    return Unavailable("the job broker is not answering, retry later", retry_after=5)


class JobQueue:
    """Queues analytic computations on the job broker, each at most once while it waits."""

    def __init__(
        self, celery: Celery, queue: str, redis: Redis, *, key_prefix: str = "", ttl: int = 3600
    ):
        self.celery = celery
        self.queue = queue
        self.redis = redis
        self.key_prefix = key_prefix
        self.ttl = ttl

    async def _send_once(self, job: str, name: str, *args: object) -> bool:
        """Sends the job unless one like it is still queued; True when this call queued it."""
        key, job_id = marker_key(self.key_prefix, job), new_job_id()
        try:
            if not await self.redis.set(key, job_id, nx=True, ex=self.ttl):
                return False
        except RedisError as exc:
            raise _broker_down(exc) from exc
        try:
            await run_in_threadpool(
                self.celery.send_task,
                name,
                args=list(args),
                queue=self.queue,
                task_id=job_id,
                retry=True,
                retry_policy=_POLICY,
            )
        except Exception as exc:
            with contextlib.suppress(RedisError):  # else the marker's TTL frees it
                await release_async(self.redis, key, job_id)
            raise _broker_down(exc) from exc
        return True

    async def update_analytic(self, analytic_id: str) -> bool:
        """Queues one analytic unless it already waits; True when this call queued it."""
        return await self._send_once(
            f"{UPDATE_ANALYTIC}:{analytic_id}", UPDATE_ANALYTIC, analytic_id
        )

    async def update_analytics(self, time_window_type: str | None) -> bool:
        """Queues the fan-out over a window type's analytics (or all) unless it already waits."""
        job = f"{UPDATE_ANALYTICS}:{time_window_type or 'all'}"
        return await self._send_once(job, UPDATE_ANALYTICS, time_window_type)
