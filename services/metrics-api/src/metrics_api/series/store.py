"""Reads raw points and rollup rows from Cassandra, and writes rollup rows, one partition at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import AsyncIterator, Sequence
from typing import Any, NamedTuple

import numpy as np
from cassandra.query import UNSET_VALUE, PreparedStatement

from metrics_api.cassandra_session import CassandraConnection
from metrics_api.schema.tables import ROLLUP_PARTITION_SECONDS, Measure, MetricTable
from metrics_api.series.binning import Partials

DAY_MS = 86_400_000
PARTITIONS_IN_FLIGHT = 16
# Raw days read together in one `day IN (...)` query when only a few scattered days hold points.
DAYS_PER_QUERY = 100
EPOCH = dt.date(1970, 1, 1)
# A partition's rollup rows are read by slices of at most this many rows, run concurrently: a
# year of hourly rows (one 365-day partition, ~8,300 rows) is then read by several of
# Cassandra's threads at once, not one.
ROLLUP_ROWS_PER_QUERY = 2000
# A batch of many series holds a few rollup rows per series and level: up to this many series'
# rows share one unlogged batch (Cassandra warns above 10 partitions in one).
ROLLUP_PARTITIONS_PER_BATCH = 10


class MetricKey(NamedTuple):
    """The three names that identify a series."""

    environment: str
    application: str
    metric_name: str


def day_of(ms: int) -> dt.date:
    """The raw partition (UTC day) a time in ms falls into."""
    return EPOCH + dt.timedelta(days=ms // DAY_MS)


def days_between(start_ms: int, end_ms: int) -> list[dt.date]:
    """Every raw partition day that [start_ms, end_ms) touches."""
    if end_ms <= start_ms:
        return []
    return [
        EPOCH + dt.timedelta(days=d) for d in range(start_ms // DAY_MS, (end_ms - 1) // DAY_MS + 1)
    ]


def buckets_between(level: int, start_ms: int, end_ms: int) -> list[int]:
    """Every rollup partition (bucket start, ms) of this level that [start_ms, end_ms) touches."""
    span = ROLLUP_PARTITION_SECONDS[level] * 1000
    if end_ms <= start_ms:
        return []
    return [b * span for b in range(start_ms // span, (end_ms - 1) // span + 1)]


def slices(start_ms: int, end_ms: int, row_ms: int, align_ms: int | None) -> list[tuple[int, int]]:
    """[start_ms, end_ms) cut at multiples of align_ms into pieces of about ROLLUP_ROWS_PER_QUERY
    rows of row_ms each (the whole range when no alignment is given or it is small)."""
    if align_ms is None or (end_ms - start_ms) // row_ms <= ROLLUP_ROWS_PER_QUERY:
        return [(start_ms, end_ms)]
    step = max(align_ms, ROLLUP_ROWS_PER_QUERY * row_ms // align_ms * align_ms)
    cuts = range(start_ms // step * step + step, end_ms, step)
    edges = [start_ms, *cuts, end_ms]
    return list(itertools.pairwise(edges))


def split_at(start_ms: int, end_ms: int, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """[start_ms, end_ms) cut at the given times that fall strictly inside it."""
    inner = [c for c in cuts if start_ms < c < end_ms]
    return list(itertools.pairwise([start_ms, *inner, end_ms]))


def to_float(column: np.ndarray) -> np.ndarray:
    """A column as float64, null (masked, or None) as NaN."""
    if isinstance(column, np.ma.MaskedArray):
        return np.ma.filled(column.astype(np.float64), np.nan)
    return np.array(column, dtype=np.float64)


def to_int(column: np.ndarray) -> np.ndarray:
    """A column that is never null (times, point counts) as int64."""
    return np.asarray(np.ma.getdata(column), dtype=np.int64)


# A query's result: one array per selected column, in order (None: no rows).
Columns = list[np.ndarray] | None


def joined(pages: list[list[np.ndarray]]) -> Columns:
    """A query's pages as one array per column; None when there are no rows."""
    pages = [page for page in pages if len(page) and len(page[0])]
    if not pages:
        return None
    if len(pages) == 1:
        return pages[0]
    return [np.ma.concatenate(cols) for cols in zip(*pages, strict=True)]


def where(columns: list[np.ndarray], keep: np.ndarray) -> list[np.ndarray]:
    """The rows of `keep` (a boolean mask) of every column."""
    return [c[keep] for c in columns]


class SeriesStore:
    """The metric tables of one keyspace."""

    def __init__(self, db: CassandraConnection, keyspace: str):
        self.db = db
        self.keyspace = keyspace

    async def _each(
        self, queries: list[tuple[PreparedStatement, tuple[object, ...]]]
    ) -> list[Columns]:
        """Runs one query per partition, at most PARTITIONS_IN_FLIGHT at a time, results in order,
        each as columns (decoded into arrays by the driver)."""
        limit = asyncio.Semaphore(PARTITIONS_IN_FLIGHT)

        async def one(statement: PreparedStatement, params: tuple[object, ...]) -> Columns:
            async with limit:
                return joined(await self.db.execute_columns(statement, params))

        return list(await asyncio.gather(*(one(s, p) for s, p in queries)))

    async def _windows(
        self, queries: Sequence[tuple[PreparedStatement, tuple[object, ...]]]
    ) -> AsyncIterator[list[np.ndarray]]:
        """Runs the queries PARTITIONS_IN_FLIGHT at a time, yielding each one's columns (queries
        without rows skipped), so a long range is never held in memory at once (and stops as soon
        as the caller stops)."""
        for i in range(0, len(queries), PARTITIONS_IN_FLIGHT):
            for found in await self._each(list(queries[i : i + PARTITIONS_IN_FLIGHT])):
                if found is not None:
                    yield found

    async def _all(self, queries: list[tuple[PreparedStatement, tuple[object, ...]]]) -> Columns:
        """Every query's rows as one set of columns (None: no rows at all)."""
        found = [f for f in await self._each(queries) if f is not None]
        return joined(found)

    async def _raw_statement(
        self, table: MetricTable, columns: list[str], by: str
    ) -> PreparedStatement:
        selected = ", ".join(f'"{c}"' for c in columns)
        return await self.db.prepare(
            f"SELECT toUnixTimestamp(metric_timestamp), {selected} FROM {self.keyspace}.{table.name} "
            f"WHERE environment = ? AND application = ? AND metric_name = ? AND day {by} "
            "AND metric_timestamp >= ? AND metric_timestamp < ?"
        )

    @staticmethod
    def _raw_columns(
        found: Columns, columns: list[str]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        if found is None:
            return np.empty(0, dtype=np.int64), {c: np.empty(0) for c in columns}
        return to_int(found[0]), {c: to_float(found[i + 1]) for i, c in enumerate(columns)}

    async def raw_chunks(
        self,
        table: MetricTable,
        key: MetricKey,
        columns: list[str],
        start_ms: int,
        end_ms: int,
        days: list[dt.date] | None = None,
        *,
        cuts: Sequence[int] = (),
    ) -> AsyncIterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """Raw points in [start_ms, end_ms) a partition at a time (or, given `days`, only those
        days, up to DAYS_PER_QUERY per query); times in ms and float columns, in no set order.
        A day partition with `cuts` inside it is read by concurrent slices cut there, in time
        order (a caller binning the points cuts at multiples of its bin width)."""
        queries: list[tuple[PreparedStatement, tuple[object, ...]]]
        if days is None:
            statement = await self._raw_statement(table, columns, "= ?")
            queries = []
            for d in days_between(start_ms, end_ms):
                day_ms = (d - EPOCH).days * DAY_MS
                pieces = split_at(max(start_ms, day_ms), min(end_ms, day_ms + DAY_MS), cuts)
                if len(pieces) == 1:
                    pieces = [(start_ms, end_ms)]  # the whole day's query, as without cuts
                queries += [(statement, (*key, d, lo, hi)) for lo, hi in pieces]
        else:
            statement = await self._raw_statement(table, columns, "IN ?")
            queries = [
                (statement, (*key, days[i : i + DAYS_PER_QUERY], start_ms, end_ms))
                for i in range(0, len(days), DAYS_PER_QUERY)
            ]
        async for found in self._windows(queries):
            yield self._raw_columns(found, columns)

    async def read_raw(
        self,
        table: MetricTable,
        key: MetricKey,
        columns: list[str],
        start_ms: int,
        end_ms: int,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Raw points in [start_ms, end_ms): times (ms) and float columns."""
        statement = await self._raw_statement(table, columns, "= ?")
        found = await self._all(
            [(statement, (*key, day, start_ms, end_ms)) for day in days_between(start_ms, end_ms)]
        )
        return self._raw_columns(found, columns)

    def _rollup_columns(self, measures: list[Measure]) -> list[str]:
        return [c for m in measures for c in m.rollup_columns]

    async def _rollup_statement(self, table: MetricTable, columns: list[str]) -> PreparedStatement:
        selected = "".join(f', "{c}"' for c in columns)
        return await self.db.prepare(
            f"SELECT toUnixTimestamp(bin_start), points{selected} FROM {self.keyspace}.{table.rollup} "
            "WHERE environment = ? AND application = ? AND metric_name = ? AND resolution = ? "
            "AND bucket = ? AND bin_start >= ? AND bin_start < ?"
        )

    @staticmethod
    def _partials(found: list[np.ndarray], columns: list[str]) -> Partials:
        return Partials(
            to_int(found[0]),
            to_int(found[1]),
            {c: to_float(found[i + 2]) for i, c in enumerate(columns)},
        )

    async def rollup_chunks(
        self,
        table: MetricTable,
        key: MetricKey,
        level: int,
        measures: list[Measure],
        ranges: list[tuple[int, int]],
        *,
        align_ms: int | None = None,
    ) -> AsyncIterator[Partials]:
        """Rollup rows of one resolution whose bin starts in any of the [start, end) ranges, a
        partition (or a slice of one) at a time (empty ones skipped), in time order. With `align_ms` (a multiple
        of the level), a partition of more than ROLLUP_ROWS_PER_QUERY rows is read by concurrent
        slices cut at multiples of align_ms, so no bin of that width is split between chunks."""
        columns = self._rollup_columns(measures)
        statement = await self._rollup_statement(table, columns)
        span = ROLLUP_PARTITION_SECONDS[level] * 1000
        queries = [
            (statement, (*key, level, bucket, lo, hi))
            for start, end in ranges
            for bucket in buckets_between(level, start, end)
            for lo, hi in slices(
                max(start, bucket), min(end, bucket + span), level * 1000, align_ms
            )
        ]
        async for found in self._windows(queries):
            yield self._partials(found, columns)

    async def read_rollup(
        self,
        table: MetricTable,
        key: MetricKey,
        level: int,
        measures: list[Measure],
        start_ms: int,
        end_ms: int,
    ) -> Partials:
        """Rollup rows of one resolution whose bin starts in [start_ms, end_ms)."""
        columns = self._rollup_columns(measures)
        statement = await self._rollup_statement(table, columns)
        found = await self._all(
            [
                (statement, (*key, level, bucket, start_ms, end_ms))
                for bucket in buckets_between(level, start_ms, end_ms)
            ]
        )
        if found is None:
            return Partials.empty(measures)
        return self._partials(found, columns)

    async def read_many_raw(
        self,
        table: MetricTable,
        environment: str,
        application: str,
        metrics: list[str],
        start_ms: int,
        end_ms: int,
    ) -> dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]:
        """Raw points in [start_ms, end_ms) of several series of one application, each numeric
        column as floats, by metric name: one `metric_name IN` query per day, not one per series."""
        columns = list(table.numeric)
        selected = ", ".join(f'"{c}"' for c in columns)
        statement = await self.db.prepare(
            f"SELECT metric_name, toUnixTimestamp(metric_timestamp), {selected} FROM "
            f"{self.keyspace}.{table.name} WHERE environment = ? AND application = ? "
            "AND metric_name IN ? AND day = ? AND metric_timestamp >= ? AND metric_timestamp < ?"
        )
        found = await self._all(
            [
                (statement, (environment, application, metrics, day, start_ms, end_ms))
                for day in days_between(start_ms, end_ms)
            ]
        )
        if found is None:
            return {}
        names = np.ma.getdata(found[0])
        return {
            m: self._raw_columns(where(found[1:], names == m), columns) for m in set(names.tolist())
        }

    async def read_many_rollups(
        self,
        table: MetricTable,
        environment: str,
        application: str,
        metrics: list[str],
        level: int,
        start_ms: int,
        end_ms: int,
    ) -> dict[str, Partials]:
        """Rollup rows of one resolution whose bin starts in [start_ms, end_ms) of several series of
        one application, by metric name: one `metric_name IN` query per partition span."""
        columns = self._rollup_columns(list(table.measures.values()))
        selected = ", ".join(f'"{c}"' for c in columns)
        statement = await self.db.prepare(
            f"SELECT metric_name, toUnixTimestamp(bin_start), points, {selected} FROM "
            f"{self.keyspace}.{table.rollup} WHERE environment = ? AND application = ? "
            "AND metric_name IN ? AND resolution = ? AND bucket = ? AND bin_start >= ? "
            "AND bin_start < ?"
        )
        found = await self._all(
            [
                (statement, (environment, application, metrics, level, bucket, start_ms, end_ms))
                for bucket in buckets_between(level, start_ms, end_ms)
            ]
        )
        if found is None:
            return {}
        names = np.ma.getdata(found[0])
        return {
            m: self._partials(where(found[1:], names == m), columns) for m in set(names.tolist())
        }

    async def write_raw(
        self,
        table: MetricTable,
        columns: list[str],
        rows: Sequence[Sequence[Any]],
        *,
        concurrency: int,
    ) -> None:
        """Upserts raw points (environment, application, metric_name, day, ms, then a value per
        column, UNSET_VALUE where absent) in unlogged batches that each stay in one partition."""
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        insert = await self.db.prepare(
            f"INSERT INTO {self.keyspace}.{table.name} (environment, application, metric_name, "
            f"day, metric_timestamp, {names}) VALUES (?, ?, ?, ?, ?, {marks})"
        )
        await self.db.execute_batched(insert, rows, partition_width=4, concurrency=concurrency)

    async def write_rollup(
        self,
        table: MetricTable,
        key: MetricKey,
        level: int,
        measures: list[Measure],
        merged: Partials,
        stamp_us: int,
        *,
        concurrency: int,
    ) -> None:
        """Writes one series' rollup rows of one resolution (see write_rollups)."""
        await self.write_rollups(
            table, level, measures, {key: merged}, stamp_us, concurrency=concurrency
        )

    async def write_rollups(
        self,
        table: MetricTable,
        level: int,
        measures: list[Measure],
        rows: dict[MetricKey, Partials],
        stamp_us: int,
        *,
        concurrency: int,
    ) -> int:
        """Writes the rollup rows of one resolution of many series in one go, each stamped with the
        time its inputs were read, so the latest recompute of a bin wins whatever order concurrent
        writers finish in; returns the rows written."""
        columns = self._rollup_columns(measures)
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        statement = await self.db.prepare(
            f"INSERT INTO {self.keyspace}.{table.rollup} (environment, application, metric_name, "
            f"resolution, bucket, bin_start, points, {names}) VALUES (?, ?, ?, ?, ?, ?, ?, {marks}) "
            "USING TIMESTAMP ?"
        )
        span = ROLLUP_PARTITION_SECONDS[level] * 1000
        params = []
        for key, merged in rows.items():
            values = [
                merged.columns[c].astype(np.int64).tolist()
                if c.endswith("_n")
                else merged.columns[c].tolist()
                for c in columns
            ]
            for i, (start, points) in enumerate(
                zip(merged.ts.tolist(), merged.points.tolist(), strict=True)
            ):
                cells = [UNSET_VALUE if v != v else v for v in (col[i] for col in values)]
                params.append((*key, level, start // span * span, start, points, *cells, stamp_us))
        await self.db.execute_batched(
            statement,
            params,
            partition_width=5,
            partitions_per_batch=ROLLUP_PARTITIONS_PER_BATCH,
            concurrency=concurrency,
        )
        return len(params)
