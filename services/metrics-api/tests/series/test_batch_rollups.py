"""A batch recomputes each touched rollup bin once for all its series: the rollup rows it leaves
must be the ones that writing the same points one request at a time leaves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from cassandra.cluster import Session
from metrics_api.schema.tables import ROLLUP_LEVELS, ROLLUP_PARTITION_SECONDS

UTC = dt.UTC
# Just before a day, a ten-day bin and a decade partition end (2029-12-17 is day 21,900 since the
# epoch): the points cross a boundary at every level.
T0 = dt.datetime(2029, 12, 16, 23, 59, 20, tzinfo=UTC)
SERIES = ("cpu", "memory", "p0:latency")


def timer_points(env: str) -> list[dict[str, object]]:
    """Many points per 10 s bin of three series (some columns left out, a counter reset, one
    point sent twice with different values), in no time order."""
    rng = np.random.default_rng(17)
    points: list[dict[str, object]] = []
    for s, metric in enumerate(SERIES):
        count = 0
        for i in range(40):
            moment = T0 + dt.timedelta(milliseconds=int(i * 1500 + s * 7 + rng.integers(0, 500)))
            previous, count = count, (count + int(rng.integers(0, 9))) if i != 23 else 2
            point: dict[str, object] = {
                "environment": env,
                "application": "app",
                "metric_name": metric,
                "metric_timestamp": moment.isoformat(),
                "count": count,
                "previous_count": previous,
                "mean": float(rng.normal(50, 9)),
                "p99": float(rng.exponential(80)),
            }
            if i % 5:
                point["min"] = float(rng.uniform(0, 10))
            points.append(point)
    points.append({**points[7], "mean": -1.0, "p99": 1e6})  # the last copy wins
    order = rng.permutation(len(points) - 1)
    return [points[i] for i in order] + [points[-1]]


def gauge_points(env: str) -> list[dict[str, object]]:
    """130 gauges of two applications (more than one `IN` query's worth each), 3 points each at the
    same times, as an agent's status frames send them."""
    return [
        {
            "environment": env,
            "application": f"proc{g % 2}",
            "metric_name": f"g{g}",
            "metric_timestamp": (T0 + dt.timedelta(seconds=25 * i)).isoformat(),
            "value": float((g * 31 + i * 7) % 97),
        }
        for i in range(3)
        for g in range(130)
    ]


def rollup_rows(
    cql: Session,
    keyspace: str,
    env: str,
    series: Sequence[tuple[str, str]] = tuple(("app", m) for m in SERIES),
    kind: str = "timer",
    last: dt.datetime = T0 + dt.timedelta(minutes=2),
) -> dict[tuple[object, ...], tuple[object, ...]]:
    """Every rollup row of the environment's series, by (application, metric, resolution, bin
    start), from T0's partitions to `last`'s."""
    out = {}
    for application, metric in series:
        for level in ROLLUP_LEVELS:
            span = ROLLUP_PARTITION_SECONDS[level]
            first = int(T0.timestamp()) // span * span
            for bucket in range(first, int(last.timestamp()) + 1, span):
                rows = cql.execute(
                    f"SELECT * FROM {keyspace}.rollup_{kind} WHERE environment = %s AND "
                    "application = %s AND metric_name = %s AND resolution = %s AND bucket = %s",
                    [env, application, metric, level, dt.datetime.fromtimestamp(bucket, UTC)],
                )
                for row in rows:
                    cells = row._asdict()
                    key = (application, metric, level, cells.pop("bin_start"))
                    for name in ("environment", "application", "metric_name", "resolution"):
                        cells.pop(name)
                    out[key] = tuple(sorted(cells.items()))
    return out


async def test_one_batch_leaves_the_rollups_point_by_point_writes_leave(
    client, keyspace, cql: Session, env
):
    batch_env, single_env = f"{env}-batch", f"{env}-single"
    r = await client.post(
        "/api/v1/metrics/raw_timer_with_interval", json={"points": timer_points(batch_env)}
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["written"] == 120 and r.json()["data"]["metrics"] == 3
    for point in timer_points(single_env):
        r = await client.post("/api/v1/metrics/raw_timer_with_interval", json={"points": [point]})
        assert r.status_code == 200, r.text

    batched, single = rollup_rows(cql, keyspace, batch_env), rollup_rows(cql, keyspace, single_env)
    assert {level for _, _, level, _ in batched} == set(ROLLUP_LEVELS)
    # 120 points over about a minute, either side of midnight: two bins at every level
    assert sum(1 for _, _, level, _ in batched if level == 864_000) == 2 * len(SERIES)
    assert batched == single
    points = {
        metric: sum(dict(cells)["points"] for (_, m, level, _), cells in batched.items()
                    if m == metric and level == 10)
        for metric in SERIES
    }  # fmt: skip
    assert points == dict.fromkeys(SERIES, 40)


async def test_a_batch_of_many_series_leaves_what_one_batch_per_series_leaves(
    client, keyspace, cql: Session, env
):
    batch_env, alone_env = f"{env}-batch", f"{env}-alone"
    r = await client.post("/api/v1/metrics/raw_gauge", json={"points": gauge_points(batch_env)})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["metrics"] == 130
    by_series: dict[tuple[str, str], list[dict[str, object]]] = {}
    for point in gauge_points(alone_env):
        by_series.setdefault((point["application"], point["metric_name"]), []).append(point)  # type: ignore[arg-type]
    for points in by_series.values():
        r = await client.post("/api/v1/metrics/raw_gauge", json={"points": points})
        assert r.status_code == 200, r.text

    batched = rollup_rows(cql, keyspace, batch_env, list(by_series), "gauge")
    alone = rollup_rows(cql, keyspace, alone_env, list(by_series), "gauge")
    # points either side of midnight, where a ten-day bin ends: two bins at every level
    assert {(a, m) for a, m, _, _ in batched} == set(by_series)
    assert {level for _, _, level, _ in batched} == set(ROLLUP_LEVELS)
    assert batched == alone
    g7 = {k[3]: dict(v) for k, v in batched.items() if k[1] == "g7" and k[2] == 864_000}
    assert sorted((c["points"], c["value_sum"]) for c in g7.values()) == [(1, 37.0), (2, 53.0)]


def sparse_points(env: str, second: int) -> list[dict[str, object]]:
    """Two gauges, a point every 47 minutes for 12 hours across midnight: every 10 s and 30 s
    bin its own read run (a sparse batch, as a series reporting hourly sends)."""
    return [
        {
            "environment": env,
            "application": "app",
            "metric_name": metric,
            "metric_timestamp": (
                T0 - dt.timedelta(hours=6) + dt.timedelta(minutes=47 * k, seconds=second)
            ).isoformat(),
            "value": float(k * 3 + second + len(metric)),
        }
        for k in range(16)
        for metric in ("cpu", "disk")
    ]


async def test_sparse_batches_leave_what_point_by_point_writes_leave(
    client, keyspace, cql: Session, env
):
    batch_env, single_env = f"{env}-batch", f"{env}-single"
    # the second batch lands in the first one's 10 s and 30 s bins (T0 is at 20 s)
    for second in (0, 3):
        r = await client.post(
            "/api/v1/metrics/raw_gauge", json={"points": sparse_points(batch_env, second)}
        )
        assert r.status_code == 200, r.text
        for point in sparse_points(single_env, second):
            r = await client.post("/api/v1/metrics/raw_gauge", json={"points": [point]})
            assert r.status_code == 200, r.text
    series = [("app", "cpu"), ("app", "disk")]
    last = T0 + dt.timedelta(hours=7)
    batched = rollup_rows(cql, keyspace, batch_env, series, "gauge", last)
    single = rollup_rows(cql, keyspace, single_env, series, "gauge", last)
    assert batched == single
    tens = [dict(c) for (_, m, level, _), c in batched.items() if m == "cpu" and level == 10]
    assert len(tens) == 16 and all(c["points"] == 2 for c in tens)
