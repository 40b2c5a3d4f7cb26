"""Server-side binning: bin widths aligned with the rollups, and the aggregation of partial aggregates.

Raw points and rollup rows share one form, `Partials`: a time (ms) and, per measure, a partial
aggregate (max or min value; or sum and count of the non-null values for sums and means). Binning
merges partials that fall into the same bin, so a bin computed from rollup rows is the same as one
computed from the raw points, as long as every rollup row lies wholly inside one bin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from metrics_api.schema.tables import ROLLUP_LEVELS, Measure

# Bin widths snap to whole multiples of these steps (seconds), so bins align with the rollups.
WIDTH_STEPS: tuple[int, ...] = (1, 10, 60, 600, 3600, 86_400, 864_000)
# A width is only snapped to a step at most a third of it, which loses at most a third of the bins.
SNAP_FACTOR = 3


def bin_width(span_seconds: float, size: int) -> int:
    """The bin width in seconds for `size` bins over the span: span/size, rounded up to a step."""
    raw = max(span_seconds / size, 1.0)
    step = max(s for s in WIDTH_STEPS if s == 1 or s * SNAP_FACTOR <= raw)
    return int(math.ceil(raw / step - 1e-9) * step)


def rollup_level(width: int, levels: tuple[int, ...] = ROLLUP_LEVELS) -> int | None:
    """The coarsest rollup resolution that divides the width, or None to bin raw points."""
    usable = [level for level in levels if width % level == 0]
    return max(usable) if usable else None


@dataclass
class Partials:
    """Partial aggregates in time order: `ts` in ms, `points` raw rows per entry, and per column
    of the rollup form (`p99_max`, `mean_sum`, `mean_n`, ...) one float64 array."""

    ts: np.ndarray
    points: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ts)

    @classmethod
    def empty(cls, measures: list[Measure]) -> Partials:
        """No entries, with every column the measures need."""
        cols = {c: np.empty(0) for m in measures for c in m.rollup_columns}
        return cls(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), cols)

    @classmethod
    def concat(cls, parts: list[Partials], measures: list[Measure]) -> Partials:
        """Joins partials in the given order."""
        parts = [p for p in parts if len(p)] or [cls.empty(measures)]
        return cls(
            np.concatenate([p.ts for p in parts]),
            np.concatenate([p.points for p in parts]),
            {c: np.concatenate([p.columns[c] for p in parts]) for c in parts[0].columns},
        )


def measure_values(measure: Measure, raw: dict[str, np.ndarray]) -> np.ndarray:
    """One value per raw point (NaN for none); interval_count is count - previous_count, or count
    alone after a counter reset (count < previous_count)."""
    if measure.name == "interval_count":
        count, previous = raw["count"], raw["previous_count"]
        with np.errstate(invalid="ignore"):
            return np.where(count < previous, count, count - previous)
    return raw[measure.name]


def raw_partials(ts: np.ndarray, raw: dict[str, np.ndarray], measures: list[Measure]) -> Partials:
    """Turns raw points (ts in ms, float columns with NaN for null) into partials of one point each."""
    cols: dict[str, np.ndarray] = {}
    for measure in measures:
        values = measure_values(measure, raw)
        if measure.aggregate in ("mean", "sum"):
            present = ~np.isnan(values)
            cols[f"{measure.name}_sum"] = np.where(present, values, 0.0)
            cols[f"{measure.name}_n"] = present.astype(np.float64)
        else:
            cols[f"{measure.name}_{measure.aggregate}"] = values
    return Partials(ts.astype(np.int64), np.ones(len(ts), dtype=np.int64), cols)


def _reduce(column: str, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    if column.endswith("_max"):
        return np.fmax.reduceat(values, starts)
    if column.endswith("_min"):
        return np.fmin.reduceat(values, starts)
    return np.add.reduceat(values, starts)


def merge(partials: Partials, width_ms: int, origin_ms: int = 0) -> Partials:
    """Merges the partials of each bin [origin + k*width, origin + (k+1)*width) (bins from the
    epoch by default); bins with no entry are left out; each result is stamped with its bin's start."""
    if not len(partials):
        return partials
    order = np.argsort(partials.ts, kind="stable")
    ts = partials.ts[order]
    bins = (ts - origin_ms) // width_ms
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
    columns = {c: _reduce(c, v[order], starts) for c, v in partials.columns.items()}
    return Partials(
        bins[starts] * width_ms + origin_ms,
        np.add.reduceat(partials.points[order], starts),
        columns,
    )


def finish(
    merged: Partials, measures: list[Measure], width_ms: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Final values per bin for every bin from the first to the last, empty ones as NaN."""
    if not len(merged):
        return np.empty(0, dtype=np.int64), [np.empty(0) for _ in measures]
    first, last = merged.ts[0], merged.ts[-1]
    grid = np.arange(first, last + width_ms, width_ms, dtype=np.int64)
    slot = (merged.ts - first) // width_ms
    out = []
    for measure in measures:
        values = final_values(measure, merged)
        full = np.full(len(grid), np.nan)
        full[slot] = values
        out.append(full)
    return grid, out


def final_values(measure: Measure, partials: Partials) -> np.ndarray:
    """A measure's value from its partial aggregate: NaN where no point had a value."""
    if measure.aggregate in ("mean", "sum"):
        total = partials.columns[f"{measure.name}_sum"]
        n = partials.columns[f"{measure.name}_n"]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = total / n if measure.aggregate == "mean" else total.copy()
        return np.where(n > 0, value, np.nan)
    return partials.columns[f"{measure.name}_{measure.aggregate}"]
