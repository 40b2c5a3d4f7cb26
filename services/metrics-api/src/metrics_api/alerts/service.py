"""Scans a measure's raw points against a warning and an error threshold; each hit's time as the
original's Flask wrote it (an HTTP date, to the second), and to the millisecond in ISO 8601."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from typing import Any

import numpy as np

from metrics_api.series.binning import measure_values
from metrics_api.series.service import SeriesQuery, iso
from metrics_api.series.store import SeriesStore

# Alerts look at every raw point, so the range they scan is bounded.
MAX_ALERT_SPAN_MS = 31 * 86_400_000


def http_date(ms: int) -> str:
    """`Sat, 02 Mar 2024 00:00:20 GMT`, as Flask's JSON encoder wrote datetimes."""
    return format_datetime(dt.datetime.fromtimestamp(ms // 1000, dt.UTC), usegmt=True)


async def find_alerts(
    store: SeriesStore, query: SeriesQuery, *, warning: float, error: float
) -> dict[str, list[dict[str, Any]]]:
    """Points with value >= error are errors; the rest with value >= warning are warnings."""
    measure = query.measures[0]
    columns = query.table.source_columns([measure])
    found: dict[str, list[tuple[int, float]]] = {"warnings": [], "errors": []}
    if query.start_ms > query.end_ms:
        return {kind: [] for kind in found}
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
            {
                measure.name: int(v) if measure.integer else v,
                "metric_timestamp": http_date(t),
                "metric_timestamp_iso": iso(t),
            }
            for t, v in sorted(hits)
        ]
    return out
