"""Aggregation analytics: an Elasticsearch metric aggregation on any field, with filters."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from elasticsearch import BadRequestError

from analytics.analytic.compute.common import Context
from analytics.analytic.compute.store import aggregate, window_query
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


# The aggregations whose result the original kept as `{"<aggregation>": value}`.
_SINGLE_VALUE = {"avg", "min", "max", "sum", "cardinality", "value_count"}


def original_shape(aggregation: str, answer: dict[str, Any]) -> dict[str, Any] | None:
    """Elasticsearch's answer in the original's shape; None when the field had no values.

    `{"avg": x}` (min, max, sum, cardinality, value_count alike), percentiles as the bare
    `{"1.0": x, ...}` values, stats and extended_stats as Elasticsearch gives them.
    """
    answer = {k: v for k, v in answer.items() if k != "meta"}
    if aggregation in _SINGLE_VALUE:
        value = answer.get("value")
        return None if value is None else {aggregation: value}
    if aggregation == "percentiles":
        values = answer.get("values")
        return values if isinstance(values, dict) else None
    return answer or None


async def compute_aggregation(
    ctx: Context, descriptor: AggregationDescriptor, start: datetime | None, end: datetime
) -> dict[str, Any] | None:
    """The aggregation in the original's shape; None (no result) when the field has no values
    or cannot be aggregated, as the original left the result."""
    filters = [filter_clause(f) for f in descriptor.filters]
    query = window_query(descriptor.project, start, end, *filters)
    try:
        result = await aggregate(ctx, query, {"result": aggregation_body(ctx, descriptor)})
    except BadRequestError as exc:
        log.warning("aggregation on %s refused: %s", descriptor.field, exc)
        return None
    value = result.get("result")
    shaped = original_shape(descriptor.aggregation, value) if isinstance(value, dict) else None
    return None if shaped is None else aggregation_result(shaped, start, end)
