"""Bounded cost: a query reads rows in proportion to its bins, never to its range; ranges beyond the
stored times are refused; long-range bins from the daily and ten-day rollups equal binning raw points."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest
from metrics_api.schema.tables import ROLLUP_LEVELS
from metrics_api.series import service as series_service
from metrics_api.series.binning import bin_width, rollup_level
from metrics_api.series.cover import cover

from .reference import assert_same_rows, reference_rows

UTC = dt.UTC
START = dt.datetime(2021, 1, 1, tzinfo=UTC)
END = dt.datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_timestamp": "0001-01-01", "end_timestamp": "9999-12-31"}, "end_timestamp"),
        (
            {"start_timestamp": "1969-12-31T23:59:59Z", "end_timestamp": "2024-01-01"},
            "start_timestamp",
        ),
        (
            {"start_timestamp": "2024-01-01", "end_timestamp": "2200-01-01T00:00:00Z"},
            "end_timestamp",
        ),
        ({"end_timestamp": "\u00b9"}, "end_timestamp"),  # a superscript one
    ],
)
async def test_ranges_beyond_the_stored_times_and_odd_numbers_are_400(reader, params, field):
    r = await reader.get("/api/v1/metrics/raw_gauge/e/a/m", params={"columns": "value", **params})
    assert r.status_code == 400, r.text
    assert r.json()["detail"]["field"] == field


async def test_points_outside_the_stored_times_are_refused(client, env):
    point = {"environment": env, "application": "a", "metric_name": "m", "value": 1.0}
    for when in ("1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-01-01T00:00:00"):
        r = await client.post(
            "/api/v1/metrics/raw_gauge", json={"points": [{**point, "metric_timestamp": when}]}
        )
        assert r.status_code == 400, r.text
        assert r.json()["detail"][0]["field"] == "points.0.metric_timestamp"
    huge = {**point, "metric_timestamp": "2024-01-01T00:00:00Z"}
    del huge["value"]
    r = await client.post(
        "/api/v1/metrics/raw_counter_with_interval",
        json={"points": [{**huge, "count": 2**64}]},
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "points.0.count"


@pytest.mark.parametrize(
    ("start", "stop"),
    [(0, 7_258_118_400_000), (1_234_567, 98_765_432_101), (5_000, 5_001), (10_000, 20_000)],
)
def test_the_cover_is_exact_aligned_and_small(start, stop):
    pieces = cover(start, stop, ROLLUP_LEVELS)
    assert pieces[0][1] == start and pieces[-1][2] == stop
    for (_, _, end), (_, begin, _) in itertools.pairwise(pieces):
        assert end == begin
    for level, a, b in pieces:
        if level is not None:
            assert a % (level * 1000) == 0 and b % (level * 1000) == 0
    assert len(pieces) <= 2 * len(ROLLUP_LEVELS) + 1


class Counting:
    """Counts the statements a store runs (the real session underneath)."""

    def __init__(self, db):  # type: ignore[no-untyped-def]
        self.db, self.calls = db, 0

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.db, name)

    async def execute(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        return await self.db.execute(*args, **kwargs)

    async def execute_columns(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        return await self.db.execute_columns(*args, **kwargs)


@pytest.fixture
def counted(app) -> Iterator[Counting]:  # type: ignore[no-untyped-def]
    store = app.state.service.series
    spy = Counting(store.db)
    store.db = spy
    try:
        yield spy
    finally:
        store.db = spy.db


def gauge(env: str, metric: str, when: dt.datetime, value: float) -> dict[str, object]:
    return {
        "environment": env,
        "application": "a",
        "metric_name": metric,
        "metric_timestamp": when.isoformat(),
        "value": value,
    }


@pytest.fixture(scope="module")
async def years(client) -> tuple[str, list[dict[str, object]]]:
    """Three years of a gauge every 44 hours (with a hole), and a sparse one of 20 points."""
    env = "bounds-env"
    points = []
    when, i = START + dt.timedelta(hours=5, seconds=7), 0
    while when < END:
        if not dt.datetime(2022, 3, 1, tzinfo=UTC) <= when < dt.datetime(2022, 6, 1, tzinfo=UTC):
            points.append(gauge(env, "dense", when, float(i % 97)))
        when, i = when + dt.timedelta(hours=44), i + 1
    sparse = [gauge(env, "sparse", START + dt.timedelta(days=53 * k + 0.3), k) for k in range(20)]
    for batch in (points, sparse):
        r = await client.post("/api/v1/metrics/raw_gauge", json={"points": batch})
        assert r.status_code == 200, r.text
    for p in points:
        p["metric_timestamp"] = dt.datetime.fromisoformat(p["metric_timestamp"])  # type: ignore[arg-type]
    return env, points


@pytest.mark.parametrize(
    ("start", "end", "size", "level"),
    [
        (START, END, 300, 86_400),  # 4-day bins from daily rollups
        (START, END, 30, 864_000),  # 40-day bins from ten-day rollups
        (START + dt.timedelta(days=3, seconds=3671.5), END - dt.timedelta(hours=7), 100, 86_400),
    ],
)
async def test_long_ranges_read_few_rows_and_equal_raw_binning(
    reader, years, counted, monkeypatch, start, end, size, level
):
    # These few points would be read for the original's width (original_width.py); asking for no
    # rows at all for it, the rounded widths from the coarse rollups answer.
    monkeypatch.setattr(series_service, "exact_is_cheap", lambda *_: False)
    env, points = years
    span = (end - start).total_seconds()
    assert rollup_level(bin_width(span, size)) == level
    r = await reader.get(
        f"/api/v1/metrics/raw_gauge/{env}/a/dense",
        params={
            "columns": "value",
            "size": size,
            "start_timestamp": start.isoformat(),
            "end_timestamp": end.isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    assert_same_rows(
        r.json()["data"]["rows"],
        reference_rows(points, ["value"], start, end, bin_width(span, size)),
    )
    # A day partition each would be > 1000 statements; the rollups take a few dozen at most.
    assert counted.calls < 60, counted.calls


async def test_long_ranges_of_few_points_get_the_originals_width_from_few_reads(
    reader, years, counted
):
    # (at 300 bins the original's 315,360 s is a multiple of 1 min only: 157 partitions of 1 min
    # rows, too many, so the rounded width answers: test_long_ranges_read_few_rows_...)
    env, points = years
    params = {"columns": "value", "size": 219, "start_timestamp": START.isoformat()}
    r = await reader.get(
        f"/api/v1/metrics/raw_gauge/{env}/a/dense",
        params={**params, "end_timestamp": END.isoformat()},
    )
    width = int((END - START).total_seconds()) // 219  # 5 days: from two decade partitions
    assert r.json()["data"]["binning"]["width_seconds"] == width
    assert r.json()["data"]["binning"]["rule"] == "original"
    want = reference_rows(points, ["value"], START, END, width, origin="start_day")
    assert_same_rows(r.json()["data"]["rows"], want)
    assert counted.calls < 60, counted.calls


async def test_a_century_of_few_points_comes_back_raw_from_few_reads(reader, years, counted):
    env, _ = years
    params = {
        "columns": "value",
        "size": 30,
        "start_timestamp": "1970-01-01T00:00:00Z",
        "end_timestamp": "2069-12-31T00:00:00Z",
    }
    r = await reader.get(f"/api/v1/metrics/raw_gauge/{env}/a/sparse", params=params)
    assert r.status_code == 200, r.text
    rows = r.json()["data"]["rows"]
    assert [row[1] for row in rows] == [float(k) for k in range(20)]
    assert rows[0][0] == (START + dt.timedelta(days=0.3)).isoformat()
    assert counted.calls < 80, counted.calls
    binned = await reader.get(
        f"/api/v1/metrics/raw_gauge/{env}/a/sparse", params={**params, "size": 10}
    )
    assert 0 < len(binned.json()["data"]["rows"]) <= 10
