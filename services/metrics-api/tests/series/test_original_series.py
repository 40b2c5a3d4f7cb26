"""The original metrics_server's unit-test scenarios for its data endpoint, as HTTP tests of ours, and
its lenient parameters (issue 13 §2); each difference the README lists is asserted here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

UTC = dt.UTC
T0 = dt.datetime(2017, 2, 16, 4, 31, 23, tzinfo=UTC)
TIMER = "raw_timer_with_interval"
COUNTER = "raw_counter_with_interval"


async def write(client, table: str, points: list[dict[str, object]]) -> None:
    for i in range(0, len(points), 10_000):
        r = await client.post(f"/api/v1/metrics/{table}", json={"points": points[i : i + 10_000]})
        assert r.status_code == 200, r.text


def point(env: str, metric: str, when: dt.datetime, **values: object) -> dict[str, object]:
    return {
        "environment": env,
        "application": "h13-app",
        "metric_name": metric,
        "metric_timestamp": when.isoformat(),
        **values,
    }


def url(env: str, metric: str, table: str = TIMER) -> str:
    return f"/api/v1/metrics/{table}/{env}/h13-app/{metric}"


@pytest.fixture(scope="module")
async def medians(client) -> tuple[str, list[dict[str, object]]]:
    """2,097 timer points 19 s apart, as the original's resampling test data (ours, generated)."""
    env = "h13-medians"
    rng = np.random.default_rng(13)
    points = [
        point(env, "latency", T0 + dt.timedelta(seconds=19 * i), median=float(v))
        for i, v in enumerate(rng.normal(500, 40, 2097))
    ]
    await write(client, TIMER, points)
    return env, points


def span(points: list[dict[str, object]]) -> dict[str, str]:
    return {
        "start_timestamp": str(points[0]["metric_timestamp"]),
        "end_timestamp": str(points[-1]["metric_timestamp"]),
    }


async def test_a_large_series_is_resampled_close_to_size(client, medians):
    # the original's test_get_metric_data_resample: about `size` rows (within 100), 1000 by default
    env, points = medians
    for size, params in ((1000, {}), (500, {"size": "500"})):
        r = await client.get(
            url(env, "latency"), params={"columns": "median", **span(points), **params}
        )
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert abs(len(data["rows"]) - size) < 100
        # 2,097 points are few enough to bin exactly as the original: span // size seconds
        assert data["binning"]["rule"] == "original"
        assert data["binning"]["width_seconds"] == (2096 * 19) // size


async def test_a_small_series_comes_back_unaltered_in_utc(client, env):
    # the original's test_get_metric_data: four points are not resampled; times are UTC
    now = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    counts = [(0, 100), (5, 100), (10, 104), (55, 120)]
    points = [
        point(env, "c", now + dt.timedelta(seconds=s), count=c, previous_count=0) for s, c in counts
    ]
    await write(client, COUNTER, points)
    r = await client.get(url(env, "c", COUNTER), params={"columns": "count"})
    assert r.status_code == 200
    assert r.json()["data"]["binning"] is None
    rows = r.json()["data"]["rows"]
    assert [row[1] for row in rows] == [c for _, c in counts]
    assert all(row[0].endswith("+00:00") for row in rows)


@pytest.mark.parametrize(
    ("table", "columns", "words"),
    [
        ("not_real_table", "count", 'table "not_real_table"'),
        (COUNTER, "not_real_column", "column(s) (not_real_column)"),
        (TIMER, "count,interval_count,i do not exist", "i do not exist"),
        (TIMER, "i do not exist,i also do not exist", "i do not exist, i also do not exist"),
        ("i do not exist", "count", "i do not exist"),
    ],
)
async def test_unknown_tables_and_columns_are_404_naming_them(client, table, columns, words):
    # the original's test_get_metric_data_invalid_args and test_validate_columns_bad
    r = await client.get(url("e", "m", table), params={"columns": columns})
    assert r.status_code == 404
    assert words in r.json()["error"]


async def test_counts_and_interval_count_columns(client, env):
    # the original's test_validate_columns_good and _interval: count, previous_count; and
    # interval_count (count - previous_count) beside another column
    points = [
        point(
            env, "t", T0 + dt.timedelta(seconds=i), count=10 * i, previous_count=10 * i - 7, p99=i
        )
        for i in range(1, 4)
    ]
    await write(client, TIMER, points)
    r = await client.get(
        url(env, "t"),
        params={"columns": "count,previous_count", **span(points)},
    )
    assert [row[1:] for row in r.json()["data"]["rows"]] == [[10, 3], [20, 13], [30, 23]]
    r = await client.get(url(env, "t"), params={"columns": "interval_count,p99", **span(points)})
    assert [row[1:] for row in r.json()["data"]["rows"]] == [[7, 1.0], [7, 2.0], [7, 3.0]]


async def test_no_columns_is_400_in_the_original_words(client):
    r = await client.get(url("e", "m"), params={"columns": " , "})
    assert r.status_code == 400
    assert r.json()["error"] == "You must specify at least one column"


@pytest.fixture(scope="module")
async def seconds(client) -> tuple[str, list[dict[str, object]]]:
    """1,500 points, one a second: more than the default size."""
    env = "h13-seconds"
    points = [
        point(env, "s", T0 + dt.timedelta(seconds=i), mean=float(i % 17)) for i in range(1500)
    ]
    await write(client, TIMER, points)
    return env, points


async def test_a_size_that_is_not_a_number_is_1000(client, seconds):
    env, points = seconds
    params = {"columns": "mean", **span(points)}
    default = (await client.get(url(env, "s"), params={**params, "size": "1000"})).json()
    for size in ("lots", "", "1.5"):
        r = await client.get(url(env, "s"), params={**params, "size": size})
        assert r.status_code == 200 and r.json() == default
    assert default["data"]["binning"]["width_seconds"] == 1


async def test_a_size_is_read_as_pythons_int_as_the_original(client, seconds):
    env, points = seconds
    params = {"columns": "mean", **span(points)}
    want = (await client.get(url(env, "s"), params={**params, "size": "1000"})).json()
    for size in ("1_000", " 1000 ", "+1000", "\uff11\uff10\uff10\uff10"):  # the last fullwidth
        assert (await client.get(url(env, "s"), params={**params, "size": size})).json() == want
    small = (await client.get(url(env, "s"), params={**params, "size": "1_0"})).json()
    assert small == (await client.get(url(env, "s"), params={**params, "size": "10"})).json()
    assert small["data"]["binning"]["width_seconds"] == 150  # 1,499 s / 10, rounded up


async def test_a_size_above_the_bound_is_the_bound(client, seconds):
    env, points = seconds
    params = {"columns": "mean", **span(points)}
    r = await client.get(url(env, "s"), params={**params, "size": str(10**12)})
    assert r.status_code == 200
    assert len(r.json()["data"]["rows"]) == 1500  # 100,000 rows at most: every point, raw
    assert r.json() == (await client.get(url(env, "s"), params={**params, "size": "100000"})).json()


@pytest.mark.parametrize("size", ["0", "-3"])
async def test_a_size_below_one_is_400_where_the_original_failed(client, seconds, size):
    # difference: the original answered 500 (division by zero, or a negative pandas frequency)
    env, points = seconds
    r = await client.get(url(env, "s"), params={"columns": "mean", "size": size, **span(points)})
    assert r.status_code == 400 and "size" in r.json()["error"]


async def test_a_start_after_the_end_gives_no_rows_and_equal_ones_the_point(client, seconds):
    env, points = seconds
    at = dt.datetime.fromisoformat(str(points[10]["metric_timestamp"]))
    after = {
        "start_timestamp": (at + dt.timedelta(hours=1)).isoformat(),
        "end_timestamp": at.isoformat(),
    }
    r = await client.get(url(env, "s"), params={"columns": "mean", **after})
    assert r.status_code == 200 and r.json()["data"]["rows"] == []
    same = {"start_timestamp": at.isoformat(), "end_timestamp": at.isoformat()}
    r = await client.get(url(env, "s"), params={"columns": "mean", **same})
    assert r.json()["data"]["rows"] == [[at.isoformat(), 10.0]]


async def test_any_date_dateutil_reads(client, seconds):
    env, _ = seconds
    iso = {"start_timestamp": "2017-02-16T04:31:23", "end_timestamp": "2017-02-16T04:32:00+00:00"}
    loose = {
        "start_timestamp": "2017/02/16 04:31:23",
        "end_timestamp": "Thu, 16 Feb 2017 04:32:00 GMT",
    }
    a = await client.get(url(env, "s"), params={"columns": "mean", **iso})
    b = await client.get(url(env, "s"), params={"columns": "mean", **loose})
    assert a.status_code == b.status_code == 200
    assert len(a.json()["data"]["rows"]) == 38 and a.json() == b.json()
    r = await client.get(url(env, "s"), params={"columns": "mean", "start_timestamp": "soonish"})
    assert r.status_code == 400 and r.json()["error"] == "Invalid start_timestamp"


async def test_an_empty_time_is_the_default(client, env):
    # difference: the original could not parse "" and answered 400
    now = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    await write(client, TIMER, [point(env, "e", now, mean=4.0)])
    params = {"columns": "mean", "start_timestamp": "", "end_timestamp": ""}
    r = await client.get(url(env, "e"), params=params)
    assert r.status_code == 200 and r.json()["data"]["rows"] == [[now.isoformat(), 4.0]]


async def test_row_times_are_written_per_row_as_the_original(client, env):
    # pandas' isoformat: whole seconds without a fraction, others with six digits
    times = [T0, T0 + dt.timedelta(milliseconds=1250), T0 + dt.timedelta(seconds=3)]
    await write(client, TIMER, [point(env, "ms", t, mean=1.0) for t in times])
    r = await client.get(
        url(env, "ms"),
        params={
            "columns": "mean",
            "start_timestamp": T0.isoformat(),
            "end_timestamp": times[-1].isoformat(),
        },
    )
    assert [row[0] for row in r.json()["data"]["rows"]] == [
        "2017-02-16T04:31:23+00:00",
        "2017-02-16T04:31:24.250000+00:00",
        "2017-02-16T04:31:26+00:00",
    ]


async def test_null_values_are_null_and_alerts_skip_them(client, env):
    # difference: the original's alerts compared None with the threshold and answered 500
    await write(
        client,
        TIMER,
        [
            point(env, "n", T0, p99=5.0, mean=1.0),
            point(env, "n", T0 + dt.timedelta(seconds=1), mean=2.0),
        ],
    )
    times = {
        "start_timestamp": T0.isoformat(),
        "end_timestamp": (T0 + dt.timedelta(seconds=1)).isoformat(),
    }
    r = await client.get(url(env, "n"), params={"columns": "p99", **times})
    assert [row[1] for row in r.json()["data"]["rows"]] == [5.0, None]
    r = await client.get(
        f"/api/v1/alerts/{env}/h13-app/{TIMER}/n",
        params={
            "measure": "p99",
            "warning": 0,
            "error": 10,
            "start": times["start_timestamp"],
            "end": times["end_timestamp"],
        },
    )
    assert r.status_code == 200
    assert [hit["p99"] for hit in r.json()["warnings"]] == [5.0] and r.json()["errors"] == []


async def test_interval_count_at_a_reset_and_summed_per_bin(client, env):
    # differences: at a counter reset the original gave count - previous_count (negative); ours is
    # the count since the restart. Binned, the original's interval_count came out as each bin's
    # largest value; ours is the bin's sum, as its own aggregation table meant.
    counts = [(10, 0), (25, 10), (3, 25), (9, 3)]  # the process restarted at the third point
    points = [
        point(env, "r", T0 + dt.timedelta(seconds=i), count=c, previous_count=p)
        for i, (c, p) in enumerate(counts)
    ]
    await write(client, COUNTER, points)
    times = {
        "start_timestamp": T0.isoformat(),
        "end_timestamp": (T0 + dt.timedelta(seconds=3)).isoformat(),
    }
    r = await client.get(url(env, "r", COUNTER), params={"columns": "interval_count", **times})
    assert [row[1] for row in r.json()["data"]["rows"]] == [10, 15, 3, 6]
    r = await client.get(
        url(env, "r", COUNTER), params={"columns": "interval_count", "size": "1", **times}
    )
    data = r.json()["data"]
    assert data["binning"] == {
        "width_seconds": 3,
        "origin": "2017-02-16T00:00:00+00:00",
        "rule": "original",
    }
    # span 3 s // size 1: 3 s bins from midnight; 04:31:23 is 16,283 s = 5,427 x 3 + 2 after it
    assert data["rows"] == [["2017-02-16T04:31:21+00:00", 10], ["2017-02-16T04:31:24+00:00", 24]]
