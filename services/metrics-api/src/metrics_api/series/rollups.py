"""Keeps the rollups in step with the raw points: after a write, every touched bin of every level is
recomputed from the level below (raw points for the finest), so rollups equal binning the raw points."""

from __future__ import annotations

import asyncio
import time

import numpy as np

from metrics_api.schema.tables import ROLLUP_LEVELS, MetricTable
from metrics_api.series.binning import Partials, merge, raw_partials
from metrics_api.series.store import MetricKey, SeriesStore

# Touched bins closer than this many bins are read in one range query.
MAX_GAP_BINS = 60
RUNS_IN_FLIGHT = 16
# Series of one application read with one `metric_name IN` query, at most this many.
SERIES_PER_QUERY = 50


def bin_runs(bins: np.ndarray, width_ms: int, max_gap: int = MAX_GAP_BINS) -> list[tuple[int, int]]:
    """Sorted bin indexes grouped into [start_ms, end_ms) ranges to read."""
    if not len(bins):
        return []
    breaks = np.flatnonzero(np.diff(bins) > max_gap + 1)
    firsts = np.r_[bins[0], bins[breaks + 1]]
    lasts = np.r_[bins[breaks], bins[-1]]
    return [
        (int(f) * width_ms, (int(last) + 1) * width_ms)
        for f, last in zip(firsts, lasts, strict=True)
    ]


def _read_groups(
    runs: list[tuple[MetricKey, int, int]],
) -> list[tuple[str, str, list[str], int, int]]:
    """The runs of series of one application over the same range together, SERIES_PER_QUERY to a
    query (series written together, as an agent's metrics are, share their runs)."""
    groups: dict[tuple[str, str, int, int], list[str]] = {}
    for key, start, end in runs:
        groups.setdefault((key.environment, key.application, start, end), []).append(
            key.metric_name
        )
    return [
        (env, app, names[i : i + SERIES_PER_QUERY], start, end)
        for (env, app, start, end), names in groups.items()
        for i in range(0, len(names), SERIES_PER_QUERY)
    ]


async def _read_runs(
    store: SeriesStore,
    table: MetricTable,
    level: int | None,
    runs: list[tuple[MetricKey, int, int]],
) -> dict[MetricKey, list[Partials]]:
    """Reads the runs of one level (raw points for None) of every series, RUNS_IN_FLIGHT queries
    at a time; the partials found, by series."""
    measures = list(table.measures.values())
    limit = asyncio.Semaphore(RUNS_IN_FLIGHT)

    async def one(
        env: str, app: str, names: list[str], start: int, end: int
    ) -> dict[str, Partials]:
        async with limit:
            if level is None:
                raw = await store.read_many_raw(table, env, app, names, start, end)
                return {m: raw_partials(ts, cols, measures) for m, (ts, cols) in raw.items()}
            return await store.read_many_rollups(table, env, app, names, level, start, end)

    groups = _read_groups(runs)
    found = await asyncio.gather(*(one(*group) for group in groups))
    out: dict[MetricKey, list[Partials]] = {}
    for (env, app, _, _, _), parts in zip(groups, found, strict=True):
        for name, part in parts.items():
            out.setdefault(MetricKey(env, app, name), []).append(part)
    return out


def _touched_bins(merged: Partials, bins: np.ndarray, width: int) -> Partials:
    """The merged entries whose bin is one of `bins` (sorted): the edges of a run read whole bins
    of the level below that this batch did not touch."""
    keep = np.isin(merged.ts // width, bins)
    return Partials(
        merged.ts[keep], merged.points[keep], {c: v[keep] for c, v in merged.columns.items()}
    )


async def refresh_batch_rollups(
    store: SeriesStore,
    table: MetricTable,
    touched: dict[MetricKey, np.ndarray],
    *,
    concurrency: int = 64,
) -> int:
    """Recomputes every rollup bin holding one of these point times (ms, per series), each bin once
    for the whole batch: a level at a time, one read fan-out and one write for every series
    together, so a batch of many series costs a few round trips per level, not a few per series.
    Returns rollup rows written."""
    measures = list(table.measures.values())
    written = 0
    below: int | None = None
    times = {key: np.unique(ts.astype(np.int64)) for key, ts in touched.items() if len(ts)}
    for level in ROLLUP_LEVELS:
        width = level * 1000
        bins = {key: np.unique(ts // width) for key, ts in times.items()}
        runs = [(key, *run) for key, b in bins.items() for run in bin_runs(b, width)]
        # Stamped before the inputs are read, so the latest recompute of a bin wins whatever order
        # concurrent writers finish in.
        stamp_us = time.time_ns() // 1000
        by_key = await _read_runs(store, table, below, runs)
        rows = {
            key: _touched_bins(merge(Partials.concat(p, measures), width), bins[key], width)
            for key, p in by_key.items()
        }
        written += await store.write_rollups(
            table, level, measures, rows, stamp_us, concurrency=concurrency
        )
        times = {key: merged.ts for key, merged in rows.items()}
        below = level
    return written


async def refresh_rollups(
    store: SeriesStore,
    table: MetricTable,
    key: MetricKey,
    ts_ms: np.ndarray,
    *,
    concurrency: int = 64,
) -> int:
    """Recomputes every rollup bin of one series holding one of these point times; returns rollup
    rows written."""
    return await refresh_batch_rollups(store, table, {key: ts_ms}, concurrency=concurrency)


async def rebuild_rollups(
    store: SeriesStore, table: MetricTable, key: MetricKey, start_ms: int, end_ms: int
) -> int:
    """Recomputes every rollup bin of a series over [start_ms, end_ms) from its raw points, a day at
    a time (after a writer died between its raw write and its rollups); returns rollup rows written."""
    written = 0
    day = 86_400_000
    for since in range(start_ms // day * day, end_ms, day):
        ts, _ = await store.read_raw(
            table, key, [next(iter(table.numeric))], max(since, start_ms), min(since + day, end_ms)
        )
        if len(ts):
            written += await refresh_rollups(store, table, key, ts)
    return written


COARSE_FROM = 3600  # the daily and ten-day levels are built from the hourly one
COARSE_CHUNK_MS = 3650 * 86_400_000  # a decade of hourly rows (87,600) at a time


async def rebuild_coarse_rollups(
    store: SeriesStore, table: MetricTable, key: MetricKey, start_ms: int, end_ms: int
) -> int:
    """Recomputes the levels above an hour (1 d, 10 d) over [start_ms, end_ms) from the hourly
    rows, a decade at a time: the migration for data written before those levels existed, without
    reading a raw partition per day; returns rollup rows written."""
    measures = list(table.measures.values())
    coarse = [level for level in ROLLUP_LEVELS if level > COARSE_FROM]
    top = coarse[-1] * 1000
    first, last = start_ms // top * top, -(-end_ms // top) * top
    written = 0
    for since in range(first, last, COARSE_CHUNK_MS):
        until = min(since + COARSE_CHUNK_MS, last)
        below = COARSE_FROM
        for level in coarse:
            stamp_us = time.time_ns() // 1000
            rows = await store.read_rollup(table, key, below, measures, since, until)
            merged = merge(rows, level * 1000)
            await store.write_rollup(table, key, level, measures, merged, stamp_us, concurrency=16)
            written += len(merged)
            below = level
    return written
