"""Our bins against the original's (issue 13 §3): wherever we answer with the original's width
(`binning.rule == "original"`), every column equals metrics_server's answer re-derived from its code
(original_binning.py); elsewhere the width is our rounded one and equals binning the raw points."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from metrics_api.series.binning import bin_width

from .original_binning import original_answer
from .reference import assert_same_rows, reference_rows

UTC = dt.UTC
DAY0 = dt.datetime(2024, 3, 2, tzinfo=UTC)
HOLE = (DAY0 + dt.timedelta(hours=22, minutes=30), DAY0 + dt.timedelta(hours=25, minutes=30))
TIMER_COLUMNS = [
    "count",
    "previous_count",
    "interval_count",
    "min",
    "mean",
    "max",
    "median",
    "std_dev",
    "p99",
    "mean_rate",
]
COUNTER_COLUMNS = ["count", "previous_count", "interval_count"]


def two_days(seed: int, env: str, with_timer_values: bool) -> list[dict[str, object]]:
    """Points 5 to 15 s apart (odd milliseconds) over two days, none from 22:30 to 01:30 across
    the midnight between them, with counter resets now and then."""
    rng = np.random.default_rng(seed)
    points: list[dict[str, object]] = []
    when, count = DAY0 + dt.timedelta(seconds=3), 0
    while when < DAY0 + dt.timedelta(days=2):
        previous, count = count, count + int(rng.integers(0, 40))
        if rng.random() < 0.003:
            count = int(rng.integers(0, 5))
        if not HOLE[0] <= when < HOLE[1]:
            point = {
                "environment": env,
                "application": "h13-app",
                "metric_name": "m",
                "metric_timestamp": when,
                "count": count,
                "previous_count": previous,
            }
            if with_timer_values:
                for column, (mu, sigma) in {
                    "min": (10, 3),
                    "mean": (50, 10),
                    "max": (90, 20),
                    "median": (45, 8),
                    "std_dev": (6, 2),
                    "p99": (95, 20),
                    "mean_rate": (1, 0.3),
                }.items():
                    point[column] = float(rng.normal(mu, sigma))
            points.append(point)
        when += dt.timedelta(milliseconds=int(rng.integers(5000, 15000)))
    return points


async def write(client, table: str, points: list[dict[str, object]]) -> None:
    body = [{**p, "metric_timestamp": p["metric_timestamp"].isoformat()} for p in points]  # type: ignore[attr-defined]
    for i in range(0, len(body), 10_000):
        r = await client.post(f"/api/v1/metrics/{table}", json={"points": body[i : i + 10_000]})
        assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
async def series(client) -> dict[str, list[dict[str, object]]]:
    timer = two_days(13, "h13-bins", with_timer_values=True)
    counter = two_days(31, "h13-bins", with_timer_values=False)
    await write(client, "raw_timer_with_interval", timer)
    await write(client, "raw_counter_with_interval", counter)
    return {"raw_timer_with_interval": timer, "raw_counter_with_interval": counter}


async def answer(client, table: str, start: dt.datetime, end: dt.datetime, size: int, columns):
    r = await client.get(
        f"/api/v1/metrics/{table}/h13-bins/h13-app/m",
        params={
            "columns": ",".join(columns),
            "size": str(size),
            "start_timestamp": start.isoformat(),
            "end_timestamp": end.isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    return r.json()["data"]


H = 3600
D = 86_400
CASES = [
    # (start after DAY0 in s, span in s, size, rule): "original" where span // size is exact
    # from raw points (at most 20 per bin) or from a rollup dividing it; else our rounded width
    (0, D, 1000, "original"),  # the issue's day: 86 s bins, raw points
    (0, D, 1440, "original"),  # 60 s: the 1 min rollups
    (0, D, 1500, "original"),  # 57 s: raw points
    (0, 2 * D, 1000, "original"),  # 172 s: ~15,000 raw points
    (0, 2 * D, 500, "rollup"),  # 345 s would read ~15,000 raw points, over 20 per bin: 360 s
    (0, 2 * D, 288, "original"),  # 600 s: the 10 min rollups
    (0, 2 * D, 48, "original"),  # 3600 s: the hourly rollups
    (1234.567, 6 * H, 200, "original"),  # 108 s: raw points
    (1234.567, 6 * H, 50, "rollup"),  # 432 s would read ~2,000 raw points: 480 s
    (40_000.25, H, 100, "original"),  # 36 s: raw points
    (50_000, 12 * H, 36, "original"),  # 1200 s: the 10 min rollups
    (7 * H + 11, 30 * H, 1000, "original"),  # 108 s across the hole and midnight
    (D + 5, 20_000, 1000, "original"),  # 20 s: the 10 s rollups
    (23 * H, 5 * H, 70, "original"),  # 257 s; the first point is the next day's: its midnight
    (23 * H, 5 * H, 40, "original"),  # 450 s: the 30 s rollups
    (23 * H, 5 * H, 44, "rollup"),  # 409 s would read ~1,260 raw points, over 20 per bin
]


@pytest.mark.parametrize("table", ["raw_timer_with_interval", "raw_counter_with_interval"])
@pytest.mark.parametrize(("offset", "span", "size", "rule"), CASES)
async def test_bins_as_the_original_where_its_width_is_exact(
    client, series, table, offset, span, size, rule
):
    columns = TIMER_COLUMNS if table == "raw_timer_with_interval" else COUNTER_COLUMNS
    start = DAY0 + dt.timedelta(seconds=offset)
    end = start + dt.timedelta(seconds=span)
    data = await answer(client, table, start, end, size, columns)
    width, want = original_answer(series[table], columns, start, end, size)
    assert width == span // size  # the original binned these (more points than size)
    assert data["binning"]["rule"] == rule
    if rule == "original":
        assert data["binning"]["width_seconds"] == width
        assert_same_rows(data["rows"], want)
    else:
        ours = bin_width(span, size)
        assert data["binning"]["width_seconds"] == ours > width
        want = reference_rows(series[table], columns, start, end, ours, origin="epoch")
        assert_same_rows(data["rows"], want)


async def test_the_issues_day_gives_86_s_bins(client, series):
    data = await answer(
        client, "raw_timer_with_interval", DAY0, DAY0 + dt.timedelta(days=1), 1000, ["mean"]
    )
    assert data["binning"] == {
        "width_seconds": 86,
        "origin": "2024-03-02T00:00:00+00:00",
        "rule": "original",
    }
    # bins from midnight to the last point before the hole at 22:30 (81,000 s / 86 s → 942; a
    # full day would be 1,005, where our rounded width gave 960 of 90 s)
    assert len(data["rows"]) == 942
    assert data["rows"][1][0] == "2024-03-02T00:01:26+00:00"


async def test_bins_start_at_midnight_of_the_first_points_day(client, series):
    start = DAY0 + dt.timedelta(hours=23)  # inside the hole: the first point is on the next day
    data = await answer(
        client, "raw_timer_with_interval", start, start + dt.timedelta(hours=5), 70, ["max"]
    )
    assert data["binning"]["origin"] == "2024-03-03T00:00:00+00:00"
    first = dt.datetime.fromisoformat(data["rows"][0][0])
    assert (first - dt.datetime(2024, 3, 3, tzinfo=UTC)).total_seconds() % 257 == 0
