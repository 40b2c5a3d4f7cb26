"""The Analytics form offers exactly what the service's descriptor schemas accept: every kind,
dimension and metric in the console's table (gateway/console/src/analytics/descriptors.ts) makes a
descriptor analytics validates, in every window the form offers, and every one analytics knows is
in the table; likewise its aggregations and filter operations. A change on either side that the
other misses fails here."""

from __future__ import annotations

import itertools
import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from analytics.analytic import descriptors as schema
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (ROOT / "gateway/console/src/analytics/descriptors.ts").read_text()
WINDOWS = [
    {"type": "moving", "value": "30d"},
    {"type": "moving", "value": "today"},
    {"type": "moving", "value": "all"},
    {"type": "fixed", "start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"},
]


def ts_value(name: str) -> Any:
    """A constant of descriptors.ts (an object of string arrays, or an array), as JSON."""
    found = re.search(rf"export const {name}\b[^=]*=\s*(\{{.*?\n\}};|\[[^\]]*\])", SOURCE, re.S)
    assert found, f"{name} not found in descriptors.ts"
    text = found.group(1).rstrip(";")
    text = re.sub(r"([{,]\s*)([A-Za-z_]\w*)\s*:", r'\1"\2":', text)  # quote the keys
    text = re.sub(r"\s+as const", "", text)
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", text))  # no trailing commas


def literals(model: type, field: str) -> set[str]:
    """The strings a field's Literal (or a union of Literals) allows."""

    def of(annotation: Any) -> set[str]:
        if typing.get_origin(annotation) is typing.Literal:
            return {a for a in typing.get_args(annotation) if isinstance(a, str)}
        return set().union(*(of(a) for a in typing.get_args(annotation)))

    return of(model.model_fields[field].annotation)


def service_tags() -> dict[tuple[str, str], set[str]]:
    """(type, dimension) → metrics, of every count and segmentation model analytics accepts."""
    tags: dict[tuple[str, str], set[str]] = {}
    for model in typing.get_args(schema.AnyDescriptor):
        if model is schema.AggregationDescriptor:
            continue
        for kind, dimension in itertools.product(
            literals(model, "type"), literals(model, "dimension")
        ):
            tags[(kind, dimension)] = literals(model, "metric")
    return tags


def test_every_kind_dimension_and_metric_offered_is_valid_and_none_is_missing() -> None:
    offered = ts_value("METRICS")
    task_id_dimensions = ts_value("TASK_ID_DIMENSIONS")
    table = {(k, d): set(m) for k, dims in offered.items() for d, m in dims.items()}
    assert table == service_tags()
    for (kind, dimension), metrics in table.items():
        for metric, window in itertools.product(sorted(metrics), WINDOWS):
            raw = {"type": kind, "project": "p", "timespan": window}
            raw |= {"dimension": dimension, "metric": metric}
            if dimension in task_id_dimensions:
                raw["taskId"] = "t-1"
            schema.parse_descriptor(raw)


def test_aggregations_and_filter_operations_offered_are_the_services() -> None:
    model = schema.AggregationDescriptor
    aggregations = set(ts_value("AGGREGATIONS"))
    operations = set(ts_value("OPERATIONS"))
    assert aggregations == literals(model, "aggregation")
    assert operations == literals(schema.Filter, "operation")
    for aggregation, operation in itertools.product(sorted(aggregations), sorted(operations)):
        schema.parse_descriptor(
            {
                "type": "aggregation",
                "project": "p",
                "timespan": WINDOWS[0],
                "field": "intent.confidence",
                "aggregation": aggregation,
                "filters": [{"field": "type", "operation": operation, "value": 0.5}],
            }
        )


@pytest.mark.parametrize("value", ["0d", "12w", "999999999999d", "3m", "5000y"])
def test_moving_amounts_the_form_accepts_are_accepted(value: str) -> None:
    # the form's bound: amount * (1, 7, 31, 366 days) <= 5000 * 366
    days = {"d": 1, "w": 7, "m": 31, "y": 366}[value[-1]] * int(value[:-1])
    raw = {"type": "count", "dimension": "user", "metric": "total", "project": "p"}
    window = {"timespan": {"type": "moving", "value": value}}
    if days <= 5000 * 366:
        schema.parse_descriptor(raw | window)
    else:
        with pytest.raises(ValidationError):
            schema.parse_descriptor(raw | window)
