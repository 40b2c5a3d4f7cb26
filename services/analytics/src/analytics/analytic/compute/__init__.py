"""Computing an analytic: one module per descriptor type, `compute()` picks the right one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analytics.analytic.compute.aggregation import compute_aggregation
from analytics.analytic.compute.common import Context
from analytics.analytic.compute.count import compute_count
from analytics.analytic.compute.segmentation import compute_segmentation
from analytics.analytic.descriptors import AggregationDescriptor, AnyDescriptor
from analytics.analytic.timewindow import bounds

__all__ = ["Context", "compute"]


async def compute(
    ctx: Context, descriptor: AnyDescriptor, now: datetime | None = None
) -> dict[str, Any]:
    """The result of an analytic over its time window as of `now`."""
    start, end = bounds(descriptor.timespan, now)
    if isinstance(descriptor, AggregationDescriptor):
        return await compute_aggregation(ctx, descriptor, start, end)
    if descriptor.type == "count":
        return await compute_count(ctx, descriptor, start, end)
    return await compute_segmentation(ctx, descriptor, start, end)
