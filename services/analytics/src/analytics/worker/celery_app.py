"""The Celery app: Redis broker and result backend from CELERY_*, tasks, and the daily schedule."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from meridian_kit.errors import NotFound

from analytics.settings import Settings
from analytics.worker.jobs import due_analytics, refresh_analytic

log = logging.getLogger("analytics.worker")

UPDATE_ANALYTIC = "analytics.update_analytic"
UPDATE_ANALYTICS = "analytics.update_analytics"


def create_celery(settings: Settings) -> Celery:
    """A Celery app bound to the settings; nothing connects until a task is sent or consumed."""
    app = Celery("analytics", broker=settings.broker_url, backend=settings.result_backend)
    transport: dict[str, Any] = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5}
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
        ),
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


def _register_tasks(app: Celery, settings: Settings) -> None:
    @app.task(name=UPDATE_ANALYTIC, bind=True, max_retries=settings.max_retries)
    def update_analytic(self: Task, analytic_id: str) -> dict[str, Any]:
        """Computes one analytic and stores its result; retried on failure."""
        try:
            return asyncio.run(refresh_analytic(settings, analytic_id))
        except NotFound:
            log.warning("analytic %s no longer exists", analytic_id)
            return {"id": analytic_id, "result": None, "missing": True}
        except Exception as exc:
            log.warning(
                "analytic %s failed (attempt %d): %s", analytic_id, self.request.retries + 1, exc
            )
            raise self.retry(exc=exc, countdown=settings.retry_delay) from exc

    @app.task(name=UPDATE_ANALYTICS, bind=True, max_retries=settings.max_retries)
    def update_analytics(
        self: Task, time_window_type: str | None = None, only_due: bool = False
    ) -> int:
        """Queues analytics of a window type (or all); the daily run skips fixed windows over."""
        try:
            ids = asyncio.run(due_analytics(settings, time_window_type, only_due))
        except Exception as exc:
            raise self.retry(exc=exc, countdown=settings.retry_delay) from exc
        for analytic_id in ids:
            update_analytic.apply_async((analytic_id,), queue=settings.queue)
        log.info("queued %d analytics (%s)", len(ids), time_window_type or "all due")
        return len(ids)
