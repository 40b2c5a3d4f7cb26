"""Aggregation analytics: an Elasticsearch metric aggregation on any field, with filters."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from elasticsearch import BadRequestError

from analytics.analytic.compute.common import Context, aggregate, window_query
from analytics.analytic.descriptors import AggregationDescriptor, Filter
from analytics.analytic.results import aggregation_result

log = logging.getLogger("analytics.aggregation")
_RANGE = {"gr": "gt", "gre": "gte", "lq": "lt", "lqe": "lte"}


def filter_clause(f: Filter) -> dict[str, Any]:
    """The query clause of one descriptor filter."""
    if f.operation in _RANGE:
        return {"range": {f.field: {_RANGE[f.operation]: f.value}}}
    if f.operation == "term":
        return {"term": {f.field: f.value}}
    return {"match": {f.field: f.value}}


def aggregation_body(ctx: Context, descriptor: AggregationDescriptor) -> dict[str, Any]:
    """The metric aggregation the descriptor names."""
    body: dict[str, Any] = {"field": descriptor.field}
    if descriptor.aggregation == "cardinality":
        body["precision_threshold"] = ctx.precision_threshold
    return {descriptor.aggregation: body}


async def compute_aggregation(
    ctx: Context, descriptor: AggregationDescriptor, start: datetime | None, end: datetime
) -> dict[str, Any]:
    """Elasticsearch's answer as a dict; null when the field cannot be aggregated."""
    filters = [filter_clause(f) for f in descriptor.filters or []]
    query = window_query(descriptor.project, start, end, *filters)
    try:
        result = await aggregate(ctx, query, {"result": aggregation_body(ctx, descriptor)})
    except BadRequestError as exc:
        log.warning("aggregation on %s refused: %s", descriptor.field, exc)
        return aggregation_result(None, start, end)
    value = result.get("result")
    if isinstance(value, dict):
        value.pop("meta", None)
    return aggregation_result(value, start, end)
