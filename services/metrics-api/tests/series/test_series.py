"""The data endpoints: parameters, raw rows, and bins (from rollups) equal to an independent computation."""

from __future__ import annotations

import datetime as dt

import pytest
from metrics_api.series import service as series_service
from metrics_api.series.binning import bin_width, rollup_level
from metrics_api.series.params import series_query

from .reference import assert_same_rows, reference_rows
from .test_binning import generated

UTC = dt.UTC
START = dt.datetime(
    2024, 3, 1, 22, 0, 0, tzinfo=UTC
)  # the data crosses midnight: two day partitions
SECONDS = 4 * 3600
COLUMNS = ["count", "previous_count", "interval_count", "min", "mean", "max", "p99", "mean_rate"]


@pytest.fixture(scope="module")
async def timer_series(client) -> tuple[str, list[dict[str, object]]]:
    """Four hours of 1 s timer points with gaps, a 20 min hole and counter resets, via the API."""
    env = "series-env"
    points = generated(11, SECONDS, START)
    for p in points:
        p.update(environment=env, application="app", metric_name="latency")
    body = [{**p, "metric_timestamp": p["metric_timestamp"].isoformat()} for p in points]  # type: ignore[attr-defined]
    for i in range(0, len(body), 10_000):
        r = await client.post(
            "/api/v1/metrics/raw_timer_with_interval", json={"points": body[i : i + 10_000]}
        )
        assert r.status_code == 200, r.text
    return env, points


def path(env: str) -> str:
    return f"/api/v1/metrics/raw_timer_with_interval/{env}/app/latency"


@pytest.mark.parametrize(
    ("start_offset", "span", "size", "rule"),
    [
        # the original's 54 s needs ~8,000 raw points, over 20 per bin: 60 s from 1 min rollups,
        # unaligned edges read raw
        (7.5, 3 * 3600, 200, "rollup"),
        (0, 4 * 3600, 200, "rollup"),  # 72 s would need every raw point: 80 s, 10 s rollups
        (3, 4 * 3600, 20, "original"),  # 720 s: 1 min rollups
        (0, 4 * 3600, 3, "original"),  # 4800 s: 10 min rollups
        (1234.567, 2 * 3600, 1000, "original"),  # 7 s: ~6,000 raw points binned
        (1234.567, 2 * 3600, 100, "rollup"),  # 72 s: too many raw points, 80 s from 10 s rows
    ],
)
async def test_bins_equal_binning_the_raw_points(
    client, timer_series, start_offset, span, size, rule
):
    env, points = timer_series
    start = START + dt.timedelta(seconds=start_offset)
    end = start + dt.timedelta(seconds=span)
    r = await client.get(
        path(env),
        params={
            "columns": ",".join(COLUMNS),
            "size": size,
            "start_timestamp": start.isoformat(),
            "end_timestamp": end.isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert {k: data[k] for k in ("environment", "application", "table", "metric")} == {
        "environment": env,
        "application": "app",
        "table": "raw_timer_with_interval",
        "metric": "latency",
    }
    width, origin = bin_width(span, size), "epoch"
    if rule == "original":  # the original's span // size from midnight, exact at a bounded cost
        width, origin = span // size, "start_day"
    assert data["binning"]["rule"] == rule and data["binning"]["width_seconds"] == width
    want = reference_rows(points, COLUMNS, start, end, width, origin)
    assert 0 < len(data["rows"]) <= size + 1
    assert_same_rows(data["rows"], want)


async def test_rollups_give_what_raw_binning_gives(app, timer_series, monkeypatch):
    env, _ = timer_series
    store = app.state.service.series
    for size in (200, 20, 3):
        query = series_query(
            table="raw_timer_with_interval",
            environment=env,
            application="app",
            metric="latency",
            columns=",".join(COLUMNS),
            size=str(size),
            start_timestamp=(START + dt.timedelta(seconds=5)).isoformat(),
            end_timestamp=(START + dt.timedelta(seconds=SECONDS - 17)).isoformat(),
        )
        assert rollup_level(bin_width((query.end_ms - query.start_ms) / 1000, size)) is not None
        with_rollups = await series_service.query_series(store, query)
        with monkeypatch.context() as m:
            m.setattr(series_service, "rollup_level", lambda width: None)
            from_raw = await series_service.query_series(store, query)
        assert with_rollups.binning is not None
        assert with_rollups.binning == from_raw.binning
        assert_same_rows(with_rollups.rows, from_raw.rows)


async def test_few_points_come_back_raw_at_both_paths(client, timer_series):
    env, points = timer_series
    start, end = START + dt.timedelta(seconds=100), START + dt.timedelta(seconds=160)
    inside = [p for p in points if start <= p["metric_timestamp"] <= end]  # type: ignore[operator]
    params = {
        "columns": "mean,interval_count",
        "start_timestamp": start.isoformat(),
        "end_timestamp": end.isoformat(),
    }
    a = await client.get(path(env), params=params)
    b = await client.get(
        f"/api/v1/environments/{env}/applications/app/metrics/raw_timer_with_interval/latency",
        params=params,
    )
    assert a.status_code == b.status_code == 200
    assert a.json() == b.json()
    rows = a.json()["data"]["rows"]
    assert [row[1] for row in rows] == [p["mean"] for p in inside]
    assert [dt.datetime.fromisoformat(row[0]) for row in rows] == [
        p["metric_timestamp"] for p in inside
    ]
    assert all(isinstance(row[2], int) for row in rows)


async def test_the_default_range_is_the_last_day(client, env):
    now = dt.datetime.now(UTC).replace(microsecond=0)
    points = [
        {
            "environment": env,
            "application": "a",
            "metric_name": "g",
            "metric_timestamp": (now - dt.timedelta(hours=h)).isoformat(),
            "value": float(h),
        }
        for h in (1, 5, 30)
    ]
    assert (
        await client.post("/api/v1/metrics/raw_gauge", json={"points": points})
    ).status_code == 200
    r = await client.get(f"/api/v1/metrics/raw_gauge/{env}/a/g", params={"columns": "value"})
    assert [row[1] for row in r.json()["data"]["rows"]] == [5.0, 1.0]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({}, 400, "at least one column"),
        ({"columns": " , "}, 400, "at least one column"),
        ({"columns": "mean,colour"}, 404, "colour"),
        ({"columns": "mean", "size": "0"}, 400, "size"),
        ({"columns": "mean", "start_timestamp": "last tuesday"}, 400, "start_timestamp"),
        ({"columns": "mean", "end_timestamp": "2024-13-45"}, 400, "end_timestamp"),
    ],
)
async def test_bad_parameters(client, params, status, words):
    r = await client.get("/api/v1/metrics/raw_timer_with_interval/e/a/m", params=params)
    assert r.status_code == status
    assert words in r.json()["error"]


async def test_an_unknown_table_is_404_at_both_paths(client):
    for url in (
        "/api/v1/metrics/raw_meter/e/a/m",
        "/api/v1/environments/e/applications/a/metrics/raw_meter/m",
    ):
        r = await client.get(url, params={"columns": "count"})
        assert r.status_code == 404
        assert "raw_meter" in r.json()["error"]


async def test_naive_times_are_utc_and_a_missing_series_is_empty(client):
    r = await client.get(
        "/api/v1/metrics/raw_gauge/nowhere/none/nothing",
        params={
            "columns": "value",
            "start_timestamp": "2024-01-01T00:00:00",
            "end_timestamp": "2024-01-02T00:00:00+00:00",
        },
    )
    assert r.status_code == 200
    assert r.json()["data"]["rows"] == []


async def test_the_originals_bins_from_raw_points_read_each_point_once(
    app, reader, timer_series, monkeypatch
):
    # 7 s bins (2 h / 1000) need every raw point; the rounded rule's 8 s bins would too: the
    # points are counted from rollup rows first, then read once (not once per rule).
    env, points = timer_series
    db = app.state.service.cassandra
    raw_rows = 0
    run = db.execute_columns

    async def spy(statement, values, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal raw_rows
        pages = await run(statement, values, **kwargs)
        if "raw_timer_with_interval" in statement.query_string:
            raw_rows += sum(len(page[0]) for page in pages)
        return pages

    monkeypatch.setattr(db, "execute_columns", spy)
    start = START + dt.timedelta(seconds=1234.567)
    end = start + dt.timedelta(hours=2)
    r = await reader.get(
        path(env),
        params={
            "columns": "mean",
            "size": 1000,
            "start_timestamp": start.isoformat(),
            "end_timestamp": end.isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["binning"]["rule"] == "original"
    inside = sum(1 for p in points if start <= p["metric_timestamp"] <= end)  # type: ignore[operator]
    assert inside > 5000
    assert inside <= raw_rows <= inside + 40, (inside, raw_rows)  # + the count's raw edges


@pytest.mark.parametrize("fewer", [0, 1])
async def test_a_size_at_the_point_count_decides_raw_or_binned_exactly(reader, timer_series, fewer):
    # The coarse rows counted first straddle the range's edges: with `size` at the exact count the
    # points come back raw, one below it they are binned (the count is then made exact).
    env, points = timer_series
    start = START + dt.timedelta(seconds=1234.567)
    end = start + dt.timedelta(minutes=30)
    inside = sum(1 for p in points if start <= p["metric_timestamp"] <= end)  # type: ignore[operator]
    r = await reader.get(
        path(env),
        params={
            "columns": "mean",
            "size": inside - fewer,
            "start_timestamp": start.isoformat(),
            "end_timestamp": end.isoformat(),
        },
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    if fewer:
        assert data["binning"]["rule"] == "original"
        assert data["binning"]["width_seconds"] == 1800 // (inside - 1)
        assert len(data["rows"]) <= inside
    else:
        assert data["binning"] is None and len(data["rows"]) == inside
