"""The columnar reads (the driver's NumPy parser) give what the ordinary rows give: the same
values page after page, null as masked, text as objects, no rows as no pages."""

from __future__ import annotations

import datetime as dt

import numpy as np
from metrics_api.series.store import joined, to_float, to_int

T0 = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


async def test_columns_equal_rows_across_pages_with_nulls(app, client, env, keyspace):
    points = [
        {
            "environment": env,
            "application": "api",
            "metric_name": "latency",
            "metric_timestamp": (T0 + dt.timedelta(seconds=i)).isoformat(),
            "count": 10 * i,
            **({"mean": i / 3} if i % 3 else {}),  # every third point has no mean: null
        }
        for i in range(25)
    ]
    r = await client.post("/api/v1/metrics/raw_timer_with_interval", json={"points": points})
    assert r.status_code == 200, r.text
    db = app.state.service.cassandra
    assert db.columnar is not None  # the driver here has its NumPy parser
    statement = await db.prepare(
        "SELECT metric_name, toUnixTimestamp(metric_timestamp), count, mean "
        f"FROM {keyspace}.raw_timer_with_interval WHERE environment = ? AND application = 'api' "
        "AND metric_name = 'latency' AND day = ?"
    )
    rows = await db.execute(statement, (env, T0.date()))
    pages = await db.execute_columns(statement, (env, T0.date()), fetch_size=7)
    assert len(rows) == 25 and len(pages) == 4  # 7 + 7 + 7 + 4
    names, ts, count, mean = joined(pages)  # type: ignore[misc]
    assert names.tolist() == [r[0] for r in rows]
    assert to_int(ts).tolist() == [r[1] for r in rows]
    assert to_float(count).tolist() == [float(r[2]) for r in rows]
    want = np.array([np.nan if r[3] is None else r[3] for r in rows])
    np.testing.assert_array_equal(to_float(mean), want)
    assert np.isnan(to_float(mean)[::3]).all()

    nothing = await db.execute_columns(statement, ("no-such-env", T0.date()))
    assert joined(nothing) is None
