"""Scans a measure's raw points against a warning and an error threshold."""

from __future__ import annotations

from typing import Any

import numpy as np

from metrics_api.series.binning import measure_values
from metrics_api.series.service import SeriesQuery, iso
from metrics_api.series.store import SeriesStore


async def find_alerts(
    store: SeriesStore, query: SeriesQuery, *, warning: float, error: float
) -> dict[str, list[dict[str, Any]]]:
    """Points with value >= error are errors; the rest with value >= warning are warnings."""
    measure = query.measures[0]
    columns = query.table.source_columns([measure])
    ts, raw, _ = await store.read_raw(
        query.table, query.key, columns, query.start_ms, query.end_ms + 1
    )
    values = measure_values(measure, raw)
    out: dict[str, list[dict[str, Any]]] = {"warnings": [], "errors": []}
    with np.errstate(invalid="ignore"):
        is_error = values >= error
        is_warning = ~is_error & (values >= warning)
    for kind, mask in (("errors", is_error), ("warnings", is_warning)):
        for t, v in zip(ts[mask].tolist(), values[mask].tolist(), strict=True):
            value: float | int = int(v) if measure.integer else v
            out[kind].append({measure.name: value, "metric_timestamp": iso(t)})
    return out
