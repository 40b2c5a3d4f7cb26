"""A partition of many rollup rows (store.slices), or a day of many raw points (service.raw_cuts),
is read by concurrent slices: same answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import numpy as np
import pytest
from metrics_api.cassandra_session import CassandraConnection
from metrics_api.series import service as series_service
from metrics_api.series import store as series_store
from metrics_api.series.params import series_query
from metrics_api.series.service import Density, query_series, raw_cuts
from metrics_api.series.store import SeriesStore, slices

from ..conftest import CASSANDRA

UTC = dt.UTC
START = dt.datetime(2024, 5, 30, 21, 17, 3, tzinfo=UTC)
POINTS = 3 * 24 * 6  # every 10 minutes for 3 days


def test_slices_cut_only_at_multiples_of_the_alignment(monkeypatch):
    monkeypatch.setattr(series_store, "ROLLUP_ROWS_PER_QUERY", 10)
    assert slices(5_000, 95_000, 1000, None) == [(5_000, 95_000)]
    assert slices(5_000, 14_000, 1000, 3000) == [(5_000, 14_000)]  # 9 rows: one query
    cut = slices(5_000, 95_000, 1000, 3000)  # 90 rows, slices of 9 s (a multiple of 3 s)
    assert cut[0] == (5_000, 9_000) and cut[-1] == (90_000, 95_000)
    assert all(a == b for (_, a), (b, _) in itertools.pairwise(cut))
    assert all(end % 9_000 == 0 for _, end in cut[:-1])
    assert slices(0, 10**6, 1000, 200_000)[:2] == [(0, 200_000), (200_000, 400_000)]


@pytest.fixture(scope="module")
async def hourly_series(client) -> str:
    """Points every 10 minutes for 3 days, unaligned, via the API."""
    env = "sliced-env"
    body = [
        {
            "environment": env,
            "application": "app",
            "metric_name": "latency",
            "metric_timestamp": (START + dt.timedelta(minutes=10 * i)).isoformat(),
            "count": 7 * i,
            "previous_count": 7 * i - 3,
            "mean": 40.0 + (i % 13) / 3,
            "p99": 90.0 + (i % 7) / 7,
        }
        for i in range(POINTS)
    ]
    r = await client.post("/api/v1/metrics/raw_timer_with_interval", json={"points": body})
    assert r.status_code == 200, r.text
    return env


@pytest.mark.parametrize(
    ("hours", "size"),
    # the rollup rule, the original's bins, raw points (after rollup rows), bins of 18 rows
    [(70, 30), (72, 7), (50, 1000), (3, 5)],
)
async def test_sliced_reads_answer_what_whole_partition_reads_do(
    keyspace, hourly_series, monkeypatch, hours, size
):
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    db = CassandraConnection([(host, int(port or 9042))])
    db.start()
    async with asyncio.timeout(60):
        await db.wait_connected()
    statements = 0
    run = db.execute_columns

    async def counting(statement, values, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal statements
        statements += 1
        return await run(statement, values, **kwargs)

    monkeypatch.setattr(db, "execute_columns", counting)
    store = SeriesStore(db, keyspace)
    start = START + dt.timedelta(minutes=7, seconds=11.5)
    query = series_query(
        table="raw_timer_with_interval",
        environment=hourly_series,
        application="app",
        metric="latency",
        columns="mean,p99,interval_count,count",
        size=str(size),
        start_timestamp=start.isoformat(),
        end_timestamp=(start + dt.timedelta(hours=hours)).isoformat(),
    )
    try:
        whole = await query_series(store, query)
        whole_statements, statements = statements, 0
        monkeypatch.setattr(series_store, "ROLLUP_ROWS_PER_QUERY", 8)
        sliced = await query_series(store, query)
    finally:
        await db.close()
    assert whole.rows and sliced.rows == whole.rows
    assert sliced.binning == whole.binning and sliced.points == whole.points
    # More statements: the rollup partitions were read by slices.
    assert statements > whole_statements, (statements, whole_statements)


def test_raw_cuts_balance_points_at_multiples_of_the_width(monkeypatch):
    monkeypatch.setattr(series_service, "RAW_ROWS_PER_QUERY", 10)
    hour = 3_600_000
    day = 24 * hour
    starts = np.arange(day - 3 * hour, day + 4 * hour, hour)  # 23:00 the day before ... 03:00
    density = Density(starts, np.array([4, 4, 4, 12, 1, 1, 9]), hour)
    assert raw_cuts(None, 1000) == []
    # 12 points by midnight: cut there; the day's own count restarts at midnight
    assert raw_cuts(density, 1000) == [day, day + hour, day + 4 * hour]
    # a row of 35 points is cut in three, evenly in time
    dense = Density(np.array([day, day + hour]), np.array([35, 2]), hour)
    assert raw_cuts(dense, 1000) == [day + 1_200_000, day + 2_400_000, day + hour]
    # cut down to multiples of the width (1728 s does not divide an hour)
    assert all(c % 1_728_000 == 0 for c in raw_cuts(density, 1_728_000))


@pytest.mark.parametrize(
    ("hours", "size", "columns"),
    # the original's bins from raw points: 2556 s (36 s nests in it and a day), 1728 s (itself)
    [(71, 100, "mean,p99,interval_count,count"), (48, 100, "mean,previous_count")],
)
async def test_raw_points_read_by_slices_answer_what_whole_days_do(
    keyspace, hourly_series, monkeypatch, hours, size, columns
):
    host, _, port = CASSANDRA.split(",")[0].partition(":")
    db = CassandraConnection([(host, int(port or 9042))])
    db.start()
    async with asyncio.timeout(60):
        await db.wait_connected()
    raw_statements = 0
    run = db.execute_columns

    async def counting(statement, values, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal raw_statements
        raw_statements += "raw_timer_with_interval" in statement.query_string
        return await run(statement, values, **kwargs)

    monkeypatch.setattr(db, "execute_columns", counting)
    store = SeriesStore(db, keyspace)
    start = START + dt.timedelta(minutes=7, seconds=11.5)
    query = series_query(
        table="raw_timer_with_interval",
        environment=hourly_series,
        application="app",
        metric="latency",
        columns=columns,
        size=str(size),
        start_timestamp=start.isoformat(),
        end_timestamp=(start + dt.timedelta(hours=hours)).isoformat(),
    )
    try:
        monkeypatch.setattr(series_service, "RAW_ROWS_PER_QUERY", 10**9)
        whole = await query_series(store, query)
        whole_statements, raw_statements = raw_statements, 0
        monkeypatch.setattr(series_service, "RAW_ROWS_PER_QUERY", 20)
        sliced = await query_series(store, query)
    finally:
        await db.close()
    assert whole.binning is not None and whole.binning.rule == "original"
    assert whole.rows and sliced.rows == whole.rows
    assert sliced.binning == whole.binning and sliced.points == whole.points
    # More statements: the raw day partitions were read by slices.
    assert raw_statements > whole_statements, (raw_statements, whole_statements)
