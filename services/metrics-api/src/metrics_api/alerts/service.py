"""Scans a measure's raw points against a warning and an error threshold."""

from __future__ import annotations

from typing import Any

import numpy as np

from metrics_api.series.binning import measure_values
from metrics_api.series.service import SeriesQuery, iso
from metrics_api.series.store import SeriesStore

# Alerts look at every raw point, so the range they scan is bounded.
MAX_ALERT_SPAN_MS = 31 * 86_400_000


async def find_alerts(
    store: SeriesStore, query: SeriesQuery, *, warning: float, error: float
) -> dict[str, list[dict[str, Any]]]:
    """Points with value >= error are errors; the rest with value >= warning are warnings."""
    measure = query.measures[0]
    columns = query.table.source_columns([measure])
    found: dict[str, list[tuple[int, float]]] = {"warnings": [], "errors": []}
    async for ts, raw in store.raw_chunks(
        query.table, query.key, columns, query.start_ms, query.end_ms + 1
    ):
        values = measure_values(measure, raw)
        with np.errstate(invalid="ignore"):
            is_error = values >= error
            is_warning = ~is_error & (values >= warning)
        for kind, mask in (("errors", is_error), ("warnings", is_warning)):
            found[kind] += zip(ts[mask].tolist(), values[mask].tolist(), strict=True)
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, hits in found.items():
        out[kind] = [
            {measure.name: int(v) if measure.integer else v, "metric_timestamp": iso(t)}
            for t, v in sorted(hits)
        ]
    return out
