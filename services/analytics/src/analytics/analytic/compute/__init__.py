"""Computing an analytic: one module per descriptor type, `compute()` picks the right one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analytics.analytic.compute.aggregation import compute_aggregation
from analytics.analytic.compute.common import Context
from analytics.analytic.compute.count import compute_count
from analytics.analytic.compute.segmentation import compute_segmentation
from analytics.analytic.compute.tasks import compute_task_manager
from analytics.analytic.descriptors import (
    AggregationDescriptor,
    AnyDescriptor,
    FixedWindow,
    TaskCount,
    TransactionCount,
    TransactionSegmentation,
)
from analytics.analytic.timewindow import bounds

__all__ = ["Context", "compute", "with_window_dates"]


async def compute(
    ctx: Context, descriptor: AnyDescriptor, now: datetime | None = None
) -> dict[str, Any] | None:
    """The result of an analytic over its time window as of `now` (None: no result, as an
    aggregation over a field without values)."""
    start, end = bounds(descriptor.timespan, now)
    result: dict[str, Any] | None
    if isinstance(descriptor, AggregationDescriptor):
        result = await compute_aggregation(ctx, descriptor, start, end)
    elif isinstance(descriptor, TaskCount | TransactionCount | TransactionSegmentation):
        result = await compute_task_manager(ctx, descriptor, start, end)
    elif descriptor.type == "count":
        result = await compute_count(ctx, descriptor, start, end)
    else:
        result = await compute_segmentation(ctx, descriptor, start, end)
    return with_window_dates(descriptor, result)


def with_window_dates(
    descriptor: AnyDescriptor, result: dict[str, Any] | None
) -> dict[str, Any] | None:
    """A fixed window's dates as the client wrote them, as the original answered them."""
    window = descriptor.timespan
    if result is not None and isinstance(window, FixedWindow):
        result["fromDt"], result["toDt"] = window.start.isoformat(), window.end.isoformat()
    return result
