"""What the tasks do, as plain async functions (the Celery tasks only run them)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from analytics.analytic.compute import Context, compute
from analytics.analytic.compute.batch import compute_many
from analytics.analytic.descriptors import parse_descriptor
from analytics.analytic.store import (
    StoredAnalytic,
    each,
    find,
    find_many,
    save_result,
    save_results,
)
from analytics.analytic.timewindow import is_over
from analytics.settings import Settings
from analytics.storage.client import build_client
from analytics.storage.indices import Indices
from analytics.taskmanager.client import TaskManager

log = logging.getLogger("analytics.jobs")


def task_manager_of(settings: Settings) -> TaskManager | None:
    """The task manager client, when TASK_MANAGER_URL is set."""
    if not settings.task_manager_url:
        return None
    return TaskManager(
        settings.task_manager_url,
        settings.task_manager_apikey,
        timeout=settings.task_manager_timeout,
    )


async def refresh_analytic(settings: Settings, analytic_id: str) -> dict[str, Any]:
    """Computes one analytic now and stores its result in its document."""
    es = build_client(settings)
    indices = Indices(settings.index_prefix)
    task_manager = task_manager_of(settings)
    try:
        stored = await find(es=es, indices=indices, analytic_id=analytic_id)
        descriptor = parse_descriptor(stored.document["descriptor"])
        ctx = Context(es, indices, settings.cardinality_precision_threshold, task_manager)
        result = await compute(ctx, descriptor)
        await save_result(es=es, stored=stored, result=result)
        log.info("analytic %s updated", analytic_id)
        return {"id": analytic_id, "result": result}
    finally:
        await es.close()
        if task_manager is not None:
            await task_manager.close()


async def refresh_analytics(settings: Settings, analytic_ids: list[str]) -> dict[str, Any]:
    """Computes analytics together and stores their results in one `_bulk`; analytics deleted
    meanwhile are skipped. Each result is the one computing it alone gives."""
    es = build_client(settings)
    indices = Indices(settings.index_prefix)
    task_manager = task_manager_of(settings)
    try:
        found = await find_many(es=es, indices=indices, analytic_ids=analytic_ids)
        stored, descriptors, broken = [], [], []
        for analytic_id in analytic_ids:
            if analytic_id not in found:
                continue
            try:
                descriptors.append(parse_descriptor(found[analytic_id].document["descriptor"]))
            except Exception as exc:  # alone it would fail every retry; the others go on
                log.warning(
                    "analytic %s has a descriptor that cannot be read: %s", analytic_id, exc
                )
                broken.append(analytic_id)
                continue
            stored.append(found[analytic_id])
        ctx = Context(es, indices, settings.cardinality_precision_threshold, task_manager)
        results = await compute_many(ctx, descriptors)
        gone = set(await save_results(es=es, results=list(zip(stored, results, strict=True))))
        updated = [s.id for s in stored if s.id not in gone]
        for analytic_id in updated:
            log.info("analytic %s updated", analytic_id)
        missing = [i for i in analytic_ids if i not in found] + sorted(gone)
        return {"updated": len(updated), "missing": missing, "broken": broken}
    finally:
        await es.close()
        if task_manager is not None:
            await task_manager.close()


def _needs_update(stored: StoredAnalytic, window_type: str | None, only_due: bool) -> bool:
    document = stored.document
    timespan = (document.get("descriptor") or {}).get("timespan") or {}
    kind = str(timespan.get("type", "")).lower()
    if window_type is not None and kind != window_type:
        return False
    if kind != "fixed" or not only_due:
        return True
    result = document.get("result") or {}
    try:
        descriptor = parse_descriptor(document["descriptor"])
        computed = result.get("creationDt")
        return not is_over(
            descriptor.timespan, datetime.fromisoformat(computed) if computed else None
        )
    except (KeyError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        # Computing it again is harmless; skipping it could leave a result stale for good.
        log.warning(
            "analytic %s: cannot tell whether it is due, updated anyway: %s", stored.id, exc
        )
        return True


async def due_analytics(
    settings: Settings, window_type: str | None, only_due: bool = False
) -> list[str]:
    """Ids of the analytics of a window type (or all); only_due skips fixed windows over."""
    es = build_client(settings)
    try:
        due = [
            stored
            async for stored in each(
                es=es, indices=Indices(settings.index_prefix), window_type=window_type
            )
            if _needs_update(stored, window_type, only_due)
        ]
    finally:
        await es.close()
    # Neighbours share their project and window: a batch of them shares its searches.
    return [stored.id for stored in sorted(due, key=_batch_order)]


def _batch_order(stored: StoredAnalytic) -> tuple[str, str]:
    descriptor = stored.document.get("descriptor") or {}
    return str(descriptor.get("project")), repr(descriptor.get("timespan"))
