"""Series queries: raw points when few enough, else bins computed from rollups and raw edges."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
from meridian_kit.errors import BadRequest, NotFound

from metrics_api.schema.tables import METRIC_TABLES, Measure, MetricTable
from metrics_api.series.binning import (
    Partials,
    bin_width,
    final_values,
    finish,
    merge,
    raw_partials,
    rollup_level,
)
from metrics_api.series.store import MetricKey, SeriesStore

UTC = dt.UTC
MAX_SIZE = 100_000


@dataclass
class SeriesQuery:
    """One data request: which series, which measures, which time range, how many rows at most."""

    table: MetricTable
    key: MetricKey
    measures: list[Measure]
    start_ms: int
    end_ms: int  # inclusive, as the original's `metric_timestamp <= end`
    size: int = 1000


def metric_table(name: str) -> MetricTable:
    """The table of that name, or a 404."""
    table = METRIC_TABLES.get(name)
    if table is None:
        raise NotFound(f'table "{name}" does not exist', detail={"tables": list(METRIC_TABLES)})
    return table


def measures_for(table: MetricTable, columns: list[str]) -> list[Measure]:
    """The requested measures of a table; an unknown column is a 404, none at all a 400."""
    if not columns:
        raise BadRequest("You must specify at least one column", detail={"field": "columns"})
    unknown = [c for c in columns if c not in table.measures]
    if unknown:
        raise NotFound(
            f'column(s) ({", ".join(unknown)}) not found in table "{table.name}"',
            detail={"columns": sorted(table.measures)},
        )
    return [table.measures[c] for c in columns]


def iso(ms: int) -> str:
    """An ISO 8601 UTC time, to the second or, when needed, the millisecond."""
    when = dt.datetime.fromtimestamp(ms / 1000, UTC)
    return when.isoformat(timespec="milliseconds" if ms % 1000 else "seconds")


def iso_times(ts: np.ndarray) -> list[str]:
    """ISO 8601 UTC times for ms timestamps, to the second or, when needed, the millisecond."""
    unit: Literal["s", "ms"] = "s" if not (ts % 1000).any() else "ms"
    stamps = np.datetime_as_string(ts.astype("datetime64[ms]"), unit=unit)  # type: ignore[call-overload]
    return [f"{s}+00:00" for s in stamps.tolist()]


def json_rows(
    ts: np.ndarray, values: list[np.ndarray], measures: list[Measure]
) -> list[list[object]]:
    """[[iso_ts, v1, ...], ...] with NaN as null and counts as integers."""
    columns = []
    for measure, column in zip(measures, values, strict=True):
        cells: list[object] = column.tolist()
        if measure.integer:
            cells = [None if v != v else int(v) for v in cells]  # type: ignore[call-overload]
        else:
            cells = [None if v != v else v for v in cells]
        columns.append(cells)
    return [[t, *cells] for t, *cells in zip(iso_times(ts), *columns, strict=True)]


async def _raw(store: SeriesStore, q: SeriesQuery, start: int, end: int) -> Partials:
    columns = q.table.source_columns(q.measures)
    ts, raw, _ = await store.read_raw(q.table, q.key, columns, start, end)
    return raw_partials(ts, raw, q.measures)


async def query_series(store: SeriesStore, q: SeriesQuery) -> list[list[object]]:
    """The series as rows: every raw point if there are at most `size`, else one row per bin."""
    stop = q.end_ms + 1
    width_s = bin_width((q.end_ms - q.start_ms) / 1000, q.size)
    width = width_s * 1000
    level = rollup_level(width_s)
    if level is not None:
        step = level * 1000
        first, last = -(-q.start_ms // step) * step, stop // step * step
        if first < last:
            head, middle, tail = await asyncio.gather(
                _raw(store, q, q.start_ms, first),
                store.read_rollup(q.table, q.key, level, q.measures, first, last),
                _raw(store, q, last, stop),
            )
            if int(middle.points.sum()) + len(head) + len(tail) > q.size:
                partials = Partials.concat([head, middle, tail], q.measures)
                return json_rows(*finish(merge(partials, width), q.measures, width), q.measures)
    partials = await _raw(store, q, q.start_ms, stop)
    if len(partials) > q.size:
        return json_rows(*finish(merge(partials, width), q.measures, width), q.measures)
    return json_rows(partials.ts, [final_values(m, partials) for m in q.measures], q.measures)
