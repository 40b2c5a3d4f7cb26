"""POST /api/v1/metrics/{table}: validation, upserts, the catalog and the rollups it keeps."""

from __future__ import annotations

import datetime as dt

from cassandra.cluster import Session

UTC = dt.UTC
T0 = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def counter(
    env: str, i: int, count: int, previous: int, metric: str = "requests"
) -> dict[str, object]:
    return {
        "environment": env,
        "application": "api",
        "metric_name": metric,
        "metric_timestamp": (T0 + dt.timedelta(seconds=i)).isoformat(),
        "count": count,
        "previous_count": previous,
    }


async def test_points_are_written_and_listed(client, env, keyspace, cql: Session):
    points = [counter(env, i, 10 * (i + 1), 10 * i) for i in range(30)]
    r = await client.post("/api/v1/metrics/raw_counter_with_interval", json={"points": points})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {
        "table": "raw_counter_with_interval",
        "written": 30,
        "metrics": 1,
        "rollup_rows": 9,  # three 10 s bins, and one bin of each of the six coarser levels
    }
    rows = cql.execute(
        f"SELECT count FROM {keyspace}.raw_counter_with_interval WHERE environment = %s "
        "AND application = 'api' AND metric_name = 'requests' AND day = %s",
        [env, T0.date()],
    ).all()
    assert [r.count for r in rows] == [10 * (i + 1) for i in range(30)]
    rollup = cql.execute(
        f"SELECT points, interval_count_sum, count_max FROM {keyspace}.rollup_counter "
        "WHERE environment = %s AND application = 'api' AND metric_name = 'requests' "
        "AND resolution = 60 AND bucket = %s",
        [env, dt.datetime(2024, 4, 25, tzinfo=UTC)],
    ).all()
    assert [(r.points, r.interval_count_sum, r.count_max) for r in rollup] == [(30, 300.0, 300.0)]


async def test_the_same_metric_and_time_twice_is_one_point(client, env, keyspace, cql: Session):
    first = [counter(env, 0, 5, 0), counter(env, 0, 7, 0)]  # twice in one batch: the last wins
    r = await client.post("/api/v1/metrics/raw_counter_with_interval", json={"points": first})
    assert r.json()["data"]["written"] == 1
    r = await client.post(
        "/api/v1/metrics/raw_counter_with_interval", json={"points": [counter(env, 0, 9, 0)]}
    )
    assert r.status_code == 200
    rows = cql.execute(
        f"SELECT count FROM {keyspace}.raw_counter_with_interval WHERE environment = %s "
        "AND application = 'api' AND metric_name = 'requests' AND day = %s",
        [env, T0.date()],
    ).all()
    assert [r.count for r in rows] == [9]
    data = await client.get(
        f"/api/v1/metrics/raw_counter_with_interval/{env}/api/requests",
        params={
            "columns": "count",
            "start_timestamp": T0.isoformat(),
            "end_timestamp": (T0 + dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert data.json()["data"]["rows"] == [[T0.isoformat(), 9]]


async def test_a_bad_point_is_named_by_index_and_field(client, env):
    points = [counter(env, i, i, 0) for i in range(5)]
    points[3]["count"] = "many"
    r = await client.post("/api/v1/metrics/raw_counter_with_interval", json={"points": points})
    assert r.status_code == 400
    body = r.json()
    assert body["detail"][0]["field"] == "points.3.count"
    assert "points.3.count" in body["error"]


async def test_unknown_fields_missing_keys_and_bad_times_are_refused(client, env):
    bad = counter(env, 0, 1, 0)
    bad["colour"] = "red"
    del bad["metric_name"]
    bad["metric_timestamp"] = "yesterday"
    r = await client.post("/api/v1/metrics/raw_counter_with_interval", json={"points": [bad]})
    assert r.status_code == 400
    fields = {d["field"] for d in r.json()["detail"]}
    assert fields == {"points.0.colour", "points.0.metric_name", "points.0.metric_timestamp"}


async def test_batches_are_limited_to_ten_thousand_points(client, env):
    point = counter(env, 0, 1, 0)
    r = await client.post(
        "/api/v1/metrics/raw_counter_with_interval", json={"points": [point] * 10_001}
    )
    assert r.status_code == 400
    assert r.json()["detail"][0]["field"] == "points"


async def test_empty_or_malformed_bodies_are_400(client):
    for body in (b"", b"{", b"[]", b'{"points": []}', b'{"points": [], "x": 1}'):
        r = await client.post(
            "/api/v1/metrics/raw_gauge", content=body, headers={"content-type": "application/json"}
        )
        assert r.status_code == 400, body
        # what is not JSON at all the kit's JSON rule refuses first
        assert r.json()["error"].startswith(("invalid points", "invalid JSON body")), r.text


async def test_an_unknown_table_is_404(client, env):
    r = await client.post("/api/v1/metrics/raw_meter", json={"points": [counter(env, 0, 1, 0)]})
    assert r.status_code == 404
    assert "raw_meter" in r.json()["error"]


async def test_gauges_and_timers_take_their_own_columns(client, env):
    gauge = {
        "environment": env,
        "application": "web",
        "metric_name": "cpu",
        "metric_timestamp": T0.isoformat(),
        "value": 0.5,
    }
    r = await client.post("/api/v1/metrics/raw_gauge", json={"points": [gauge]})
    assert r.status_code == 200, r.text
    timer = {
        **gauge,
        "metric_name": "latency",
        "mean": 3.5,
        "p99": 9.0,
        "duration_unit": "ms",
        "rate_unit": "s",
    }
    del timer["value"]
    r = await client.post("/api/v1/metrics/raw_timer_with_interval", json={"points": [timer]})
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/metrics/raw_gauge", json={"points": [{**gauge, "mean": 1.0}]})
    assert r.status_code == 400
    assert r.json()["detail"][0]["field"] == "points.0.mean"


async def test_a_batch_of_many_metrics(client, env):
    points = [
        {
            "environment": env,
            "application": f"app{m % 4}",
            "metric_name": f"m{m}",
            "metric_timestamp": (T0 + dt.timedelta(seconds=s)).isoformat(),
            "value": float(m * s),
        }
        for m in range(200)
        for s in range(3)
    ]
    r = await client.post("/api/v1/metrics/raw_gauge", json={"points": points})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["metrics"] == 200
    listed = (
        await client.get(
            f"/api/v1/environments/{env}/applications/app3/metrics", params={"tables": "all"}
        )
    ).json()["data"]["metrics"]  # gauges are listed when asked (the original knew none)
    assert len(listed) == 50
    r = await client.get(
        f"/api/v1/metrics/raw_gauge/{env}/app3/m199",
        params={
            "columns": "value",
            "size": 1,
            "start_timestamp": T0.isoformat(),
            "end_timestamp": (T0 + dt.timedelta(seconds=30)).isoformat(),
        },
    )
    assert r.json()["data"]["rows"] == [
        [T0.isoformat(), 199.0]
    ]  # one 30 s bin: the mean of 0, 199, 398
