"""metrics_server's answer to a data request, re-derived from its code (metrics_service.get_metric_data
and its DataFrame encoder) as an independent reference for our bins.

Its pinned pandas (0.19.2) needs Python 3.6, which uv cannot install on a fresh machine, so this
is written from reading the original, with today's pandas: the same `resample(f"{width}S")`, whose
default anchoring (`origin="start_day"`) is 0.19's (bins from midnight of the first point's day).
Our two documented fixes are applied: interval_count after a counter reset is the count, and it is
summed per bin. An empty bin's sum is null, as pandas 0.19 gave it (today's pandas gives 0).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

# the original's aggregation per column (its AGGREGATOR_MAP): anything not named here is a max
ORIGINAL_AGGREGATES = {
    "interval_count": "sum",
    "min": "min",
    "mean": "mean",
    "mean_rate": "mean",
}


def _frame(points: list[dict[str, object]], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(points)
    df.index = pd.DatetimeIndex(pd.to_datetime(df["metric_timestamp"], utc=True))
    df = df.sort_index()
    if "interval_count" in columns:
        count, previous = df["count"].astype(float), df["previous_count"].astype(float)
        df["interval_count"] = np.where(count < previous, count, count - previous)
    return df[columns].astype(float)


def _cell(value: object) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )  # type: ignore[arg-type]


def original_answer(
    points: list[dict[str, object]],
    columns: list[str],
    start: dt.datetime,
    end: dt.datetime,
    size: int,
) -> tuple[int | None, list[list[object]]]:
    """(bin width in seconds or None when unbinned, rows [iso time, value ...]) as the original."""
    df = _frame(points, columns)
    df = df[(df.index >= start) & (df.index <= end)]
    width = None
    if len(df) > size:
        width = int((end - start).total_seconds() // size)
        bins = df.resample(f"{width}s")  # anchored at midnight of the first point's day
        parts = []
        for column in columns:
            how = ORIGINAL_AGGREGATES.get(column, "max")
            series = bins[column]
            parts.append(series.sum(min_count=1) if how == "sum" else series.agg(how))
        df = pd.concat(parts, axis=1)
    rows = [
        [ts.isoformat(), *(_cell(v) for v in values)]
        for ts, values in zip(df.index, df.itertuples(index=False), strict=True)
    ]
    return width, rows
