"""An independent computation of the binned series: pandas resampling as the original did, with the
documented differences (counter resets, empty sums as null) and, for our rounded widths, bins
aligned to the epoch (origin="epoch"); the original's own widths start at midnight of the first
point's day (origin="start_day", pandas' default)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

AGGREGATES = {
    "count": "max",
    "previous_count": "max",
    "interval_count": "sum",
    "min": "min",
    "mean": "mean",
    "mean_rate": "mean",
    "value": "mean",
}


def frame(points: list[dict[str, object]]) -> pd.DataFrame:
    """The raw points as a time-indexed frame, interval_count computed with counter resets."""
    df = pd.DataFrame(points)
    df.index = pd.to_datetime(df["metric_timestamp"], utc=True)
    df = df.sort_index()
    if "count" in df:
        count, previous = df["count"].astype(float), df["previous_count"].astype(float)
        df["interval_count"] = np.where(count < previous, count, count - previous)
    return df


def reference_rows(
    points: list[dict[str, object]],
    columns: list[str],
    start: dt.datetime,
    end: dt.datetime,
    width: int,
    origin: str = "epoch",
) -> list[list[object]]:
    """Rows [iso, v...] for the points in [start, end], binned by `width` seconds from `origin`."""
    df = frame(points)
    df = df[(df.index >= start) & (df.index <= end)]
    aggs = {c: AGGREGATES.get(c, "max") for c in columns}
    out = df[columns].resample(f"{width}s", origin=origin, label="left", closed="left")
    parts = []
    for column, how in aggs.items():
        series = out[column]
        parts.append(series.sum(min_count=1) if how == "sum" else series.agg(how))
    binned = pd.concat(parts, axis=1)
    rows = []
    for ts, values in zip(binned.index, binned.itertuples(index=False), strict=True):
        cells = [
            None if (v is None or (isinstance(v, float) and math.isnan(v))) else float(v)
            for v in values
        ]
        rows.append([ts.isoformat(), *cells])
    return rows


def assert_same_rows(got: list[list[object]], want: list[list[object]], rel: float = 1e-9) -> None:
    """Same bins, same times, values equal (None for none) up to float rounding."""
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}"
    for g, w in zip(got, want, strict=True):
        assert g[0] == w[0], f"bin {g[0]} != {w[0]}"
        for a, b in zip(g[1:], w[1:], strict=True):
            if a is None or b is None:
                assert a is None and b is None, f"at {g[0]}: {g} != {w}"
            else:
                assert math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-9), (
                    f"at {g[0]}: {g} != {w}"
                )  # type: ignore[arg-type]
