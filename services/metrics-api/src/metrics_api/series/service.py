"""Series queries: raw points when few enough, else bins computed from rollups and raw edges."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import numpy as np
from meridian_kit.errors import BadRequest, NotFound

from metrics_api.schema.tables import METRIC_TABLES, ROLLUP_LEVELS, Measure, MetricTable
from metrics_api.series.binning import (
    Partials,
    bin_width,
    final_values,
    finish,
    merge,
    raw_partials,
    rollup_level,
)
from metrics_api.series.cover import BinAccumulator, Piece, cover
from metrics_api.series.original_width import (
    EXACT_PARTITIONS_MAX,
    Binning,
    exact_is_cheap,
    exact_read_limit,
    fine_width_ms,
    midnight_of,
    original_width,
    partitions_to_read,
    rows_to_read,
)
from metrics_api.series.store import DAY_MS, MetricKey, SeriesStore, day_of

UTC = dt.UTC
MAX_SIZE = 100_000
DAY_S = 86_400


@dataclass
class SeriesQuery:
    """One data request: which series, which measures, which time range, how many rows at most."""

    table: MetricTable
    key: MetricKey
    measures: list[Measure]
    start_ms: int
    end_ms: int  # inclusive, as the original's `metric_timestamp <= end`
    size: int = 1000


@dataclass
class SeriesAnswer:
    """The rows, and which bins gave them (None when the rows are the raw points)."""

    rows: list[list[object]]
    binning: Binning | None = None
    points: int = 0  # the raw points the bins hold


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
    """ISO 8601 UTC times for ms timestamps, each as the original wrote it (pandas' isoformat):
    to the second, or with six fraction digits when it has milliseconds."""
    stamps = np.datetime_as_string(ts.astype("datetime64[ms]"), unit="s")  # type: ignore[call-overload]
    millis = (ts % 1000).tolist()
    return [
        f"{s}.{ms:03d}000+00:00" if ms else f"{s}+00:00"
        for s, ms in zip(stamps.tolist(), millis, strict=True)
    ]


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


async def _raw_into(
    acc: BinAccumulator,
    store: SeriesStore,
    q: SeriesQuery,
    start: int,
    end: int,
    days: list[dt.date] | None = None,
    cuts: list[int] | None = None,
) -> None:
    columns = q.table.source_columns(q.measures)
    chunks = store.raw_chunks(q.table, q.key, columns, start, end, days, cuts=cuts or ())
    async for ts, raw in chunks:
        acc.add(raw_partials(ts, raw, q.measures), is_raw=True)


# A raw day partition holding many of a range's points is read by concurrent slices of about
# this many points each, where the counts say how they spread (raw_cuts): a day ending in two
# hours of per-second points (~8,000 rows) is then not one query on one of Cassandra's threads
# long after the other days' queries have finished.
RAW_ROWS_PER_QUERY = 2000


@dataclass
class Density:
    """How a range's points spread: coarse rollup rows' starts (ms), their points, their width."""

    ts: np.ndarray
    points: np.ndarray
    step_ms: int


def raw_cuts(density: Density | None, width_ms: int) -> list[int]:
    """Times, multiples of width_ms, that cut the range's raw points into slices of about
    RAW_ROWS_PER_QUERY points (from the coarse rows' counts; a day is read apart anyway; a coarse
    row holding several times that is cut evenly in time too), so a dense day is read by several
    queries at once; no bin of width_ms is split between slices."""
    cuts: list[int] = []
    if density is None:
        return cuts

    def cut_at(ms: int) -> None:
        ms = ms // width_ms * width_ms
        if not cuts or ms > cuts[-1]:
            cuts.append(ms)

    held = 0
    step = density.step_ms
    for start, points in zip(density.ts.tolist(), density.points.tolist(), strict=True):
        held = points if start % DAY_MS == 0 else held + points
        parts = points // RAW_ROWS_PER_QUERY
        for part in range(1, parts):
            cut_at(start + step * part // parts)
        if held >= RAW_ROWS_PER_QUERY:
            cut_at(start + step)
            held = 0
    return cuts


def _rows(partials: Partials, q: SeriesQuery) -> SeriesAnswer:
    return SeriesAnswer(
        json_rows(partials.ts, [final_values(m, partials) for m in q.measures], q.measures)
    )


def _bins(acc: BinAccumulator, q: SeriesQuery) -> SeriesAnswer:
    rows = json_rows(*finish(acc.merged(), q.measures, acc.width_ms), q.measures)
    return SeriesAnswer(rows, Binning(acc.width_ms // 1000, 0, "rollup"), acc.points)


def _runs(starts: np.ndarray, width_ms: int) -> list[tuple[int, int]]:
    """Sorted row starts of one level as [start, end) ranges, adjacent rows joined."""
    if not len(starts):
        return []
    starts = np.unique(starts)
    breaks = np.flatnonzero(np.diff(starts) > width_ms)
    firsts = np.r_[starts[0], starts[breaks + 1]]
    lasts = np.r_[starts[breaks], starts[-1]] + width_ms
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


async def _days_with_points(
    store: SeriesStore, q: SeriesQuery, level: int, starts: np.ndarray
) -> list[dt.date]:
    """The UTC days holding the rows of `level` that start at `starts` (rows coarser than a day
    are narrowed with the daily rows inside them)."""
    while level > DAY_S:
        finer = max(lv for lv in ROLLUP_LEVELS if lv < level and level % lv == 0)
        ranges = _runs(starts, level * 1000)
        found = [c.ts[c.points > 0] async for c in store.rollup_chunks(
            q.table, q.key, finer, q.measures, ranges
        )]  # fmt: skip
        starts = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        level = finer
    return [day_of(int(d) * DAY_MS) for d in np.unique(starts // DAY_MS).tolist()]


@dataclass
class _Piece:
    """What one piece of the cover gave: its bins, and which of its rows hold points while few."""

    level: int | None
    start: int
    end: int
    acc: BinAccumulator
    starts: list[np.ndarray]


async def _read_piece(
    store: SeriesStore, q: SeriesQuery, piece: Piece, width_ms: int, cuts: list[int] | None = None
) -> _Piece:
    level, start, end = piece
    out = _Piece(level, start, end, BinAccumulator(q.measures, width_ms, keep_raw=q.size), [])
    if level is None:
        await _raw_into(out.acc, store, q, start, end, cuts=cuts)
        return out
    chunks = store.rollup_chunks(
        q.table, q.key, level, q.measures, [(start, end)], align_ms=width_ms
    )
    async for chunk in chunks:
        out.acc.add(chunk, is_raw=False)
        if out.acc.points <= q.size:
            out.starts.append(chunk.ts[chunk.points > 0])
    return out


def _levels_up_to(level: int | None) -> tuple[int, ...]:
    return tuple(lv for lv in ROLLUP_LEVELS if level is not None and lv <= level)


async def _original_bins(
    store: SeriesStore,
    q: SeriesQuery,
    width_s: int,
    level: int | None,
    density: Density | None = None,
) -> SeriesAnswer:
    """The original's bins (width_s from midnight of the first point's day), from raw points or
    rows of `level`, merged first into bins that nest in both a day and the width; raw points
    by slices cut where `density` says (raw_cuts)."""
    fine = fine_width_ms(width_s)
    cuts = raw_cuts(density, fine)
    pieces = await asyncio.gather(
        *(
            _read_piece(store, q, piece, fine, cuts)
            for piece in cover(q.start_ms, q.end_ms + 1, _levels_up_to(level))
        )
    )
    acc = BinAccumulator(q.measures, fine, keep_raw=0)
    for piece in pieces:
        acc.absorb(piece.acc)
    merged = acc.merged()
    origin = midnight_of(int(merged.ts[0])) if len(merged) else 0
    width = width_s * 1000
    rows = json_rows(*finish(merge(merged, width, origin), q.measures, width), q.measures)
    return SeriesAnswer(rows, Binning(width_s, origin, "original"), acc.points)


def exact_level(width_s: int) -> int | None:
    """The coarsest rollup level that divides the width and a day (None: raw points only)."""
    level = rollup_level(width_s)
    return None if level is None else min(level, DAY_S)


async def query_series(store: SeriesStore, q: SeriesQuery) -> SeriesAnswer:
    """The series as rows: every raw point if there are at most `size`, else one row per bin:
    the original's bins when exact within bounds (original_width.py), else rounded-up ones.

    Reads whole rows of the coarsest rollup level that divides the bin width, finer rows at the
    unaligned edges (see cover.py), every piece at once, so the work is bounded by the bins asked
    for, not the range."""
    if q.start_ms > q.end_ms:
        return SeriesAnswer([])  # the original asks Cassandra for start <= t <= end: nothing
    span = q.end_ms - q.start_ms
    width_s = original_width(span, q.size)
    level = exact_level(width_s) if width_s >= 1 else None
    tried = False
    cheap, density = (False, None)
    if width_s >= 1:
        cheap, density = await _original_may_be_cheap(store, q, span, level)
    if cheap:
        # Read once, for the original's bins: right whenever there are more points than `size`.
        tried = True
        answer = await _original_bins(store, q, width_s, level, density)
        if answer.points > q.size:
            return answer
    answer = await _query_series(store, q)
    if answer.binning is None or tried or width_s < 1:
        return answer
    if not exact_is_cheap(span, answer.points, level, q.size):
        return answer
    return await _original_bins(store, q, width_s, level)


# The points of a range are counted (before choosing the original's bins from raw points) from
# rows of the finest level at least span / COUNT_ROWS wide: about that many rows (200: hourly
# rows for 7 days, so the counts also say which hours of a day are dense; see raw_cuts).
COUNT_ROWS = 200


async def _original_may_be_cheap(
    store: SeriesStore, q: SeriesQuery, span: int, level: int | None
) -> tuple[bool, Density | None]:
    """Whether the original's bins are worth reading first: they are cheap (exact_is_cheap) and
    there are likely more points than `size`. From a rollup level the bound holds whatever the
    points; from raw points they are counted first from about COUNT_ROWS coarse rollup rows, so a
    dense range (the rollup rule then) costs a small read, not the rollup read and a raw one.
    Also how the points spread, when counted."""
    if partitions_to_read(span, level) > EXACT_PARTITIONS_MAX:
        return False, None
    if level is not None and rows_to_read(span, span, level) <= exact_read_limit(q.size):
        return True, None  # at most span / level rows, whatever the points

    def region(points: int) -> int:  # 0: answered raw, 1: the original's bins, 2: too many
        if points <= q.size:
            return 0
        return 1 if exact_is_cheap(span, points, level, q.size) else 2

    # The coarse rows overlapping the range hold at most its points, those inside it at least:
    # when both counts give the same answer (nearly always), it is the answer.
    coarse = min((lv for lv in ROLLUP_LEVELS if lv * 1000 * COUNT_ROWS >= span), default=None)
    step = (coarse or ROLLUP_LEVELS[-1]) * 1000
    stop = q.end_ms + 1
    outer = [(q.start_ms // step * step, -(-stop // step) * step)]
    most = least = 0
    starts, counts = [], []
    async for chunk in store.rollup_chunks(q.table, q.key, step // 1000, [], outer):
        inside = (chunk.ts >= q.start_ms) & (chunk.ts + step <= stop)
        most += int(chunk.points.sum())
        least += int(chunk.points[inside].sum())
        starts.append(chunk.ts)
        counts.append(chunk.points)
    density = Density(np.concatenate(starts), np.concatenate(counts), step) if starts else None
    if region(most) == region(least):
        return region(most) == 1, density
    # Otherwise the exact count: whole coarse rows in the middle, finer ones at the edges.
    levels = _levels_up_to(step // 1000)
    pieces = await asyncio.gather(
        *(_read_piece(store, q, piece, step) for piece in cover(q.start_ms, stop, levels))
    )
    return region(sum(p.acc.points for p in pieces)) == 1, density


async def _query_series(store: SeriesStore, q: SeriesQuery) -> SeriesAnswer:
    stop = q.end_ms + 1
    width_s = bin_width((q.end_ms - q.start_ms) / 1000, q.size)
    level = rollup_level(width_s)
    levels = tuple(lv for lv in ROLLUP_LEVELS if level is not None and lv <= level)
    width = width_s * 1000
    pieces = await asyncio.gather(
        *(_read_piece(store, q, piece, width) for piece in cover(q.start_ms, stop, levels))
    )
    acc = BinAccumulator(q.measures, width, keep_raw=q.size)
    for piece in pieces:
        acc.absorb(piece.acc)
    if acc.points > q.size:
        return _bins(acc, q)
    rolled = [p for p in pieces if p.level is not None and p.starts]
    if not rolled:
        return _rows(acc.raw_points(), q)
    # Few points: the raw points themselves, read only from the days that hold them.
    few = BinAccumulator(q.measures, width, keep_raw=q.size)
    for chunk in acc.raw or []:
        few.add(chunk, is_raw=True)
    for part in await asyncio.gather(*(_raw_of_days(store, q, p, width) for p in rolled)):
        few.absorb(part)
    return _bins(few, q) if few.points > q.size else _rows(few.raw_points(), q)


async def _raw_of_days(
    store: SeriesStore, q: SeriesQuery, piece: _Piece, width_ms: int
) -> BinAccumulator:
    """The raw points of a rollup piece, from the days its rows say hold points."""
    part = BinAccumulator(q.measures, width_ms, keep_raw=q.size)
    if piece.level is not None:
        days = await _days_with_points(store, q, piece.level, np.concatenate(piece.starts))
        await _raw_into(part, store, q, piece.start, piece.end, days)
    return part
