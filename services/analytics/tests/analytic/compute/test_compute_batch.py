"""Computing analytics together gives each the result it has when computed alone."""

from __future__ import annotations

from typing import Any

import pytest
from analytics.analytic.compute import Context, compute
from analytics.analytic.compute.batch import compute_many
from analytics.analytic.descriptors import parse_descriptor
from analytics_dataset import COUNTS, FIXED, NOW, OTHER, PROJECT, SEGMENTATIONS, WINDOWS

AGGREGATIONS = [
    "avg",
    "min",
    "max",
    "sum",
    "stats",
    "extended_stats",
    "value_count",
    "cardinality",
    "percentiles",
]
FILTERS = [
    [],
    [{"field": "metadata.score", "operation": "gre", "value": 50}],
    [
        {"field": "type.keyword", "operation": "term", "value": "request"},
        {"field": "channel", "operation": "match", "value": "web"},
    ],
]


def descriptors() -> list[dict[str, Any]]:
    """Every analytic type and metric over every window, in both projects, some twice."""
    out: list[dict[str, Any]] = []
    for project in (PROJECT, OTHER):
        for timespan in WINDOWS:
            base = {"timespan": timespan, "project": project}
            for dimension, metric in COUNTS:
                out.append({**base, "type": "count", "dimension": dimension, "metric": metric})
            for dimension, metric in SEGMENTATIONS:
                out.append(
                    {**base, "type": "segmentation", "dimension": dimension, "metric": metric}
                )
            for name in AGGREGATIONS:
                for filters in FILTERS:
                    out.append(
                        {
                            **base,
                            "type": "aggregation",
                            "field": "metadata.score",
                            "aggregation": name,
                            "filters": filters,
                        }
                    )
            for field in ("content.value", "metadata.no_such_number", "userId.keyword"):
                out.append({**base, "type": "aggregation", "field": field, "aggregation": "avg"})
            out.append({**base, "type": "count", "dimension": "task", "metric": "total"})
            out.append(
                {**base, "type": "segmentation", "dimension": "transaction", "metric": "label"}
            )
    # The same window written with another offset, and exact repeats.
    shifted = {"type": "fixed", "start": "2024-03-05T02:00:00+02:00", "end": FIXED[1].isoformat()}
    out.append(
        {
            "type": "count",
            "dimension": "user",
            "metric": "new",
            "project": PROJECT,
            "timespan": shifted,
        }
    )
    return out + out[:40]


def without_creation(result: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if result is None else {k: v for k, v in result.items() if k != "creationDt"}


async def test_a_batch_gives_each_analytic_its_result_alone(es, indices, settings, dataset):
    ctx = Context(es, indices, settings.cardinality_precision_threshold)
    parsed = [parse_descriptor(raw) for raw in descriptors()]
    together = await compute_many(ctx, parsed, NOW)
    assert len(together) == len(parsed)
    kinds: set[str] = set()
    for descriptor, result in zip(parsed, together, strict=True):
        alone = await compute(ctx, descriptor, NOW)
        assert without_creation(result) == without_creation(alone), descriptor
        kinds.add(type(descriptor).__name__)
        if result is not None:
            assert result["creationDt"]
    assert len(kinds) >= 9
    # Not vacuous: most answers carry a number.
    counted = [r["count"] for r in together if r and r["type"] == "count" and r["count"]]
    assert len(counted) > 100


@pytest.mark.parametrize("size", [0, 1])
async def test_small_batches(es, indices, settings, dataset, size):
    ctx = Context(es, indices, settings.cardinality_precision_threshold)
    parsed = [parse_descriptor(raw) for raw in descriptors()[:size]]
    together = await compute_many(ctx, parsed, NOW)
    assert [without_creation(r) for r in together] == [
        without_creation(await compute(ctx, d, NOW)) for d in parsed
    ]
