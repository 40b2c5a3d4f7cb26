"""The Celery app: Redis broker and result backend from CELERY_*, tasks, and the daily schedule."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from meridian_kit.errors import NotFound
from meridian_kit.redis_urls import celery_url, sync_redis
from redis.exceptions import RedisError

from analytics.settings import Settings
from analytics.worker.jobs import due_analytics, refresh_analytic, refresh_analytics
from analytics.worker.queued import marker_key, new_job_id, release, settle

log = logging.getLogger("analytics.worker")

UPDATE_ANALYTIC = "analytics.update_analytic"
UPDATE_ANALYTICS = "analytics.update_analytics"
UPDATE_BATCH = "analytics.update_analytic_batch"
# Analytics computed together by one job of the fan-out.
BATCH_SIZE = 500


def create_celery(settings: Settings) -> Celery:
    """A Celery app bound to the settings; nothing connects until a task is sent or consumed."""
    # A redis+sentinel:// URL becomes Celery's sentinel:// URLs plus the master's name in options.
    broker, broker_options = celery_url(settings.broker_url)
    backend, backend_options = celery_url(settings.result_backend or "")
    app = Celery("analytics", broker=broker, backend=backend or None)
    # Celery's own CELERY_BROKER_URL / CELERY_RESULT_BACKEND environment variables (this service's
    # setting names) outrank the app's config: the converted URLs go where they do not reach.
    app.conf.broker_read_url = app.conf.broker_write_url = broker
    if backend:
        app.backend_cls = backend
    transport: dict[str, Any] = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5}
    transport |= broker_options
    if settings.redis_key_prefix:
        transport["global_keyprefix"] = settings.redis_key_prefix
    app.conf.update(
        task_default_queue=settings.queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        result_expires=7 * 24 * 3600,
        result_extended=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=transport,
        result_backend_transport_options=(
            {"global_keyprefix": settings.redis_key_prefix} if settings.redis_key_prefix else {}
        )
        | backend_options,
        beat_schedule={
            "daily-analytics-update": {
                "task": UPDATE_ANALYTICS,
                "schedule": crontab(hour=settings.schedule_hour, minute=0),
                "args": (None, True),
                "options": {"queue": settings.queue},
            }
        },
    )
    _register_tasks(app, settings)
    return app


class Markers:
    """The worker's side of the "job queued" markers (blocking Redis): each job releases its
    own when it ends, only while they still name it."""

    def __init__(self, settings: Settings) -> None:
        self.redis = sync_redis(settings.broker_url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = settings.redis_key_prefix
        self.ttl = settings.queued_ttl

    def of_analytic(self, analytic_id: str) -> str:
        """The marker of one analytic's job."""
        return marker_key(self.prefix, f"{UPDATE_ANALYTIC}:{analytic_id}")

    def of_fan_out(self, time_window_type: str | None) -> str:
        """The marker of the fan-out over a window type (or all)."""
        return marker_key(self.prefix, f"{UPDATE_ANALYTICS}:{time_window_type or 'all'}")

    def release(self, key: str, job_id: str | None) -> None:
        """Removes a marker if it names this job."""
        try:
            release(self.redis, key, job_id or "")
        except RedisError as exc:  # its TTL frees it
            log.warning("could not release %s: %s", key, exc)

    def release_analytics(self, analytic_ids: list[str], job_id: str | None) -> None:
        """Removes the analytics' markers that name this job."""
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for analytic_id in analytic_ids:
                    release(pipe, self.of_analytic(analytic_id), job_id or "")
                pipe.execute()
        except RedisError as exc:  # their TTL frees them
            log.warning("could not release %d markers: %s", len(analytic_ids), exc)

    def mark_analytics(self, analytic_ids: list[str], job_id: str) -> list[str]:
        """Marks the analytics not already waiting with this job's id; those it marked."""
        with self.redis.pipeline(transaction=False) as pipe:
            for analytic_id in analytic_ids:
                pipe.set(self.of_analytic(analytic_id), job_id, nx=True, ex=self.ttl)
            answers = pipe.execute()
        return [i for i, ok in zip(analytic_ids, answers, strict=True) if ok]

    def settle(self, key: str, job_id: str | None, cooldown: int) -> None:
        """Keeps a finished fan-out's marker for its cool-down."""
        try:  # asked again within the cool-down, it is not queued again
            settle(self.redis, key, job_id or "", cooldown)
        except RedisError as exc:
            log.warning("could not settle %s: %s", key, exc)


def _register_tasks(app: Celery, settings: Settings) -> None:
    markers = Markers(settings)
    _register_update_analytic(app, settings, markers)
    _register_update_batch(app, settings, markers)
    _register_update_analytics(app, settings, markers)


def _register_update_analytic(app: Celery, settings: Settings, markers: Markers) -> None:
    @app.task(name=UPDATE_ANALYTIC, bind=True, max_retries=settings.max_retries, shared=False)
    def update_analytic(self: Task, analytic_id: str) -> dict[str, Any]:
        """Computes one analytic and stores its result; retried on failure."""
        key = markers.of_analytic(analytic_id)
        try:
            result = asyncio.run(refresh_analytic(settings, analytic_id))
        except NotFound:
            log.warning("analytic %s no longer exists", analytic_id)
            result = {"id": analytic_id, "result": None, "missing": True}
        except Exception as exc:
            log.warning(
                "analytic %s failed (attempt %d): %s", analytic_id, self.request.retries + 1, exc
            )
            if self.request.retries >= settings.max_retries:
                markers.release(key, self.request.id)
                raise
            # The retry keeps this job's id: the marker still names it, so it stays queued once.
            raise self.retry(exc=exc, countdown=settings.retry_delay) from exc
        markers.release(key, self.request.id)
        return result


def _register_update_batch(app: Celery, settings: Settings, markers: Markers) -> None:
    @app.task(name=UPDATE_BATCH, bind=True, max_retries=settings.max_retries, shared=False)
    def update_analytic_batch(self: Task, analytic_ids: list[str]) -> dict[str, Any]:
        """Computes analytics together and stores their results; retried (all) on failure.
        Each analytic's marker names this job, so none of them is queued again meanwhile."""
        try:
            done = asyncio.run(refresh_analytics(settings, analytic_ids))
        except Exception as exc:
            log.warning(
                "batch of %d analytics failed (attempt %d): %s",
                len(analytic_ids),
                self.request.retries + 1,
                exc,
            )
            if self.request.retries >= settings.max_retries:
                markers.release_analytics(analytic_ids, self.request.id)
                raise
            raise self.retry(exc=exc, countdown=settings.retry_delay) from exc
        markers.release_analytics(analytic_ids, self.request.id)
        return done


def queue_batches(
    app: Celery, settings: Settings, markers: Markers, analytic_ids: list[str]
) -> int:
    """Queues the analytics not already waiting, BATCH_SIZE to a job; how many were queued."""
    queued = 0
    for first in range(0, len(analytic_ids), BATCH_SIZE):
        job_id = new_job_id()
        marked = markers.mark_analytics(analytic_ids[first : first + BATCH_SIZE], job_id)
        if marked:
            # Sent through this app (not a shared task proxy): its broker and key prefix.
            app.send_task(UPDATE_BATCH, args=(marked,), queue=settings.queue, task_id=job_id)
            queued += len(marked)
    return queued


def _register_update_analytics(app: Celery, settings: Settings, markers: Markers) -> None:
    @app.task(name=UPDATE_ANALYTICS, bind=True, max_retries=settings.max_retries, shared=False)
    def update_analytics(
        self: Task, time_window_type: str | None = None, only_due: bool = False
    ) -> int:
        """Queues analytics of a window type (or all) not already queued; the daily run skips
        fixed windows over."""
        key = markers.of_fan_out(time_window_type)
        try:
            ids = asyncio.run(due_analytics(settings, time_window_type, only_due))
            queued = queue_batches(app, settings, markers, ids)
        except Exception as exc:
            log.warning(
                "queueing %s analytics failed (attempt %d): %s",
                time_window_type or "all",
                self.request.retries + 1,
                exc,
            )
            if self.request.retries >= settings.max_retries:
                markers.release(key, self.request.id)
                raise
            raise self.retry(exc=exc, countdown=settings.retry_delay) from exc
        markers.settle(key, self.request.id, settings.compute_all_cooldown)
        log.info("queued %d of %d analytics (%s)", queued, len(ids), time_window_type or "all due")
        return queued
