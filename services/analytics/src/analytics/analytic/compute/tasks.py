"""Task and transaction analytics, counted from a task manager (TASK_MANAGER_URL).

The metrics are the original's: a task is active at a moment when it was created before it
and was not closed by then; `total` adds the tasks closed inside the window.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from analytics.analytic.compute.common import Context
from analytics.analytic.descriptors import (
    TaskCount,
    TaskManagerDescriptor,
    TransactionCount,
)
from analytics.analytic.results import count_result, segmentation_result, unavailable_result
from analytics.taskmanager.client import TaskManager

NO_TASK_MANAGER = (
    "no task manager is configured: set TASK_MANAGER_URL (and TASK_MANAGER_APIKEY) "
    "for task and transaction analytics"
)


def _distinct(*lists: list[dict[str, Any]]) -> int:
    """Tasks counted once each (by id; an item without one counts alone)."""
    seen: set[str] = set()
    anonymous = 0
    for items in lists:
        for item in items:
            if isinstance(item.get("id"), str):
                seen.add(item["id"])
            else:
                anonymous += 1
    return len(seen) + anonymous


async def count_tasks(
    tm: TaskManager, app: str, metric: str, start: datetime | None, end: datetime
) -> int:
    """The number of tasks a task metric names, over [start, end]."""
    if metric == "new":
        return _distinct(await tm.tasks(app, creation_from=start, creation_to=end))
    if metric == "closed":
        return _distinct(await tm.tasks(app, has_close_ts=True, closed_to=end))
    if metric == "new_closed":
        return _distinct(
            await tm.tasks(
                app, creation_from=start, creation_to=end, has_close_ts=True, closed_to=end
            )
        )
    # Active at the end: created by then, and still open or closed after it.
    created_from = start if metric == "new_active" else None
    open_at_end = await tm.tasks(
        app, creation_from=created_from, creation_to=end, has_close_ts=False
    )
    closed_later = await tm.tasks(
        app, creation_from=created_from, creation_to=end, has_close_ts=True, closed_from=end
    )
    if metric in ("active", "new_active"):
        return _distinct(open_at_end, closed_later)
    closed_inside = await tm.tasks(app, has_close_ts=True, closed_from=start, closed_to=end)
    return _distinct(open_at_end, closed_later, closed_inside)  # total


async def compute_task_manager(
    ctx: Context, descriptor: TaskManagerDescriptor, start: datetime | None, end: datetime
) -> dict[str, Any]:
    """A task or transaction result; without a task manager, a result saying so."""
    kind = "segmentation" if descriptor.type == "segmentation" else "count"
    if ctx.task_manager is None:
        return unavailable_result(kind, NO_TASK_MANAGER, start, end)
    tm, app = ctx.task_manager, descriptor.project
    if isinstance(descriptor, TaskCount):
        return count_result(await count_tasks(tm, app, descriptor.metric, start, end), start, end)
    transactions = await tm.transactions(
        app, creation_from=start, creation_to=end, task_id=descriptor.taskId
    )
    if isinstance(descriptor, TransactionCount):
        return count_result(len(transactions), start, end)
    labels = Counter(str(t.get("label")) for t in transactions)
    return segmentation_result(sorted(labels.items()), start, end)
