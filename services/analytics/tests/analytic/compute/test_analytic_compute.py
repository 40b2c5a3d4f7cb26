"""Every analytic type and metric on the generated dataset, against answers computed in Python."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from analytics.analytic.compute import Context, compute
from analytics.analytic.descriptors import parse_descriptor
from analytics.analytic.timewindow import bounds
from analytics_dataset import (
    COUNTS,
    FIXED,
    NOW,
    OTHER,
    PROJECT,
    SEGMENTATIONS,
    WINDOWS,
    expected_count,
    expected_segments,
    extended,
    moment,
    scores,
)


@pytest.fixture(scope="module")
def ctx(es, indices, settings) -> Context:
    return Context(es, indices, settings.cardinality_precision_threshold)


def test_moving_windows_count_back_from_midnight():
    descriptor = parse_descriptor(
        {
            "type": "count",
            "dimension": "user",
            "metric": "total",
            "project": "p",
            "timespan": {"type": "moving", "value": "7d"},
        }
    )
    start, end = bounds(descriptor.timespan, NOW)
    assert end == NOW.replace(hour=0) and start == end - timedelta(days=7)
    today = parse_descriptor(
        {**descriptor.model_dump(), "timespan": {"type": "moving", "value": "today"}}
    )
    assert bounds(today.timespan, NOW) == (end, end + timedelta(days=1))
    months = parse_descriptor(
        {**descriptor.model_dump(), "timespan": {"type": "moving", "value": "2m"}}
    )
    assert bounds(months.timespan, NOW)[0] == datetime(2024, 1, 16, tzinfo=end.tzinfo)


@pytest.mark.parametrize("timespan", WINDOWS, ids=lambda w: w.get("value", "fixed"))
@pytest.mark.parametrize("dimension,metric", COUNTS, ids=lambda x: x)
async def test_count(ctx, dataset, timespan, dimension, metric):
    descriptor = parse_descriptor(
        {
            "type": "count",
            "timespan": timespan,
            "project": PROJECT,
            "dimension": dimension,
            "metric": metric,
        }
    )
    start, end = bounds(descriptor.timespan, NOW)
    result = await compute(ctx, descriptor, NOW)
    expected = expected_count(dataset, PROJECT, start, end, dimension, metric)
    assert result["type"] == "count"
    assert result["count"] == expected
    if timespan["type"] == "fixed":  # as the client wrote them, as the original answered
        assert (result["fromDt"], result["toDt"]) == (timespan["start"], timespan["end"])
    else:  # the original's own dates: ISO 8601 without an offset (UTC)
        assert result["toDt"] == end.replace(tzinfo=None).isoformat()
        assert result["fromDt"] == (start.replace(tzinfo=None).isoformat() if start else None)
    assert datetime.fromisoformat(result["creationDt"]).tzinfo is None


async def test_counts_are_not_trivial(dataset):
    # The dataset is built so that no answer above is vacuously zero for the fixed window.
    start, end = FIXED
    for dimension, metric in COUNTS:
        assert expected_count(dataset, PROJECT, start, end, dimension, metric) > 0, (
            dimension,
            metric,
        )
    assert expected_count(dataset, PROJECT, start, end, "user", "new") < expected_count(
        dataset, PROJECT, start, end, "user", "total"
    )


@pytest.mark.parametrize(
    "timespan", WINDOWS[:2] + WINDOWS[4:], ids=lambda w: w.get("value", "fixed")
)
@pytest.mark.parametrize("dimension,metric", SEGMENTATIONS, ids=lambda x: x)
async def test_segmentation(ctx, dataset, timespan, dimension, metric):
    descriptor = parse_descriptor(
        {
            "type": "segmentation",
            "timespan": timespan,
            "project": PROJECT,
            "dimension": dimension,
            "metric": metric,
        }
    )
    start, end = bounds(descriptor.timespan, NOW)
    result = await compute(ctx, descriptor, NOW)
    got = {s["type"]: s["count"] for s in result["segments"]}
    expected = expected_segments(dataset, PROJECT, start, end, dimension, metric)
    assert result["type"] == "segmentation"
    assert got == expected
    assert sum(expected.values()) > 0


def _agg(field, aggregation, filters=None):
    body = {
        "type": "aggregation",
        "project": PROJECT,
        "field": field,
        "aggregation": aggregation,
        "timespan": {"type": "fixed", "start": FIXED[0].isoformat(), "end": FIXED[1].isoformat()},
    }
    if filters:
        body["filters"] = filters
    return parse_descriptor(body)


async def test_aggregations(ctx, dataset):
    values = scores(dataset, PROJECT, *FIXED)
    assert len(values) > 10
    simple = {
        "avg": sum(values) / len(values),
        "min": min(values),
        "max": max(values),
        "sum": sum(values),
        "value_count": len(values),
    }
    for name, expected in simple.items():
        result = await compute(ctx, _agg("metadata.score", name))
        assert result["type"] == "aggregation"
        # The original's shape: {"avg": x}, {"min": x}, ...
        assert set(result["aggregation"]) == {name}, name
        assert math.isclose(result["aggregation"][name], expected, rel_tol=1e-9), name
    stats = (await compute(ctx, _agg("metadata.score", "stats")))["aggregation"]
    assert (
        stats["count"] == len(values)
        and stats["min"] == min(values)
        and stats["max"] == max(values)
    )
    assert math.isclose(stats["avg"], simple["avg"]) and math.isclose(stats["sum"], simple["sum"])
    ext = (await compute(ctx, _agg("metadata.score", "extended_stats")))["aggregation"]
    for key, expected in extended(values).items():
        assert math.isclose(ext[key], expected, rel_tol=1e-6), key
    # Percentiles as the bare values object, as the original stored them.
    percentiles = (await compute(ctx, _agg("metadata.score", "percentiles")))["aggregation"]
    ordered = [percentiles[k] for k in sorted(percentiles, key=float)]
    assert ordered == sorted(ordered) and min(values) <= ordered[0] and ordered[-1] <= max(values)
    median = sorted(values)[len(values) // 2]
    assert abs(percentiles["50.0"] - median) <= (max(values) - min(values)) * 0.05
    users = (await compute(ctx, _agg("userId.keyword", "cardinality")))["aggregation"][
        "cardinality"
    ]
    assert users == expected_count(dataset, PROJECT, *FIXED, "user", "total")


@pytest.mark.parametrize(
    "operation,keep",
    [
        ("gr", lambda m: m["metadata"]["score"] > 50),
        ("gre", lambda m: m["metadata"]["score"] >= 50),
        ("lq", lambda m: m["metadata"]["score"] < 50),
        ("lqe", lambda m: m["metadata"]["score"] <= 50),
    ],
)
async def test_aggregation_range_filters(ctx, dataset, operation, keep):
    has_score = lambda m: (m.get("metadata") or {}).get("score") is not None  # noqa: E731
    expected = scores(dataset, PROJECT, *FIXED, lambda m: has_score(m) and keep(m))
    filters = [{"field": "metadata.score", "operation": operation, "value": 50}]
    result = await compute(ctx, _agg("metadata.score", "sum", filters))
    assert result["aggregation"] == {"sum": sum(expected)}


async def test_aggregation_term_and_match_filters(ctx, dataset):
    expected = scores(
        dataset, PROJECT, *FIXED, lambda m: m["type"] == "request" and m["channel"] == "web"
    )
    filters = [
        {"field": "type.keyword", "operation": "term", "value": "request"},
        {"field": "channel", "operation": "match", "value": "web"},
    ]
    result = await compute(ctx, _agg("metadata.score", "value_count", filters))
    assert result["aggregation"]["value_count"] == len(expected) > 0


async def test_aggregation_on_a_field_that_cannot_be_aggregated_is_null(ctx, dataset):
    # No result at all, as the original left it (its AggregationResult was None).
    assert await compute(ctx, _agg("content.value", "avg")) is None


@pytest.mark.parametrize("aggregation", ["avg", "min", "max"])
async def test_aggregation_on_a_field_without_values_leaves_no_result(ctx, dataset, aggregation):
    assert await compute(ctx, _agg("metadata.no_such_number", aggregation)) is None


async def test_other_projects_do_not_leak(ctx, dataset):
    descriptor = parse_descriptor(
        {
            "type": "count",
            "timespan": {"type": "moving", "value": "all"},
            "project": OTHER,
            "dimension": "user",
            "metric": "total",
        }
    )
    result = await compute(ctx, descriptor, NOW)
    users = {
        m["userId"] for m in dataset if m["project"] == OTHER and moment(m) <= NOW.replace(hour=0)
    }
    assert result["count"] == len(users) > 0
