"""GET /api/v1/alerts: points at or above the thresholds, and the parameter errors."""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC
T0 = dt.datetime(2024, 7, 1, tzinfo=UTC)


async def test_warnings_and_errors(client, env):
    values = [1.0, 5.0, 7.0, 10.0, 12.0, 3.0]
    points = [
        {
            "environment": env,
            "application": "a",
            "metric_name": "lat",
            "metric_timestamp": (T0 + dt.timedelta(seconds=i)).isoformat(),
            "p99": v,
        }
        for i, v in enumerate(values)
    ]
    assert (
        await client.post("/api/v1/metrics/raw_timer_with_interval", json={"points": points})
    ).status_code == 200
    params = {
        "measure": "p99",
        "warning": 5,
        "error": 10,
        "start": T0.isoformat(),
        "end": (T0 + dt.timedelta(minutes=1)).isoformat(),
    }
    r = await client.get(f"/api/v1/alerts/{env}/a/raw_timer_with_interval/lat", params=params)
    assert r.status_code == 200, r.text

    def at(i: int, v: float) -> dict[str, object]:
        iso = (T0 + dt.timedelta(seconds=i)).isoformat()
        http = f"Mon, 01 Jul 2024 00:00:{i:02d} GMT"  # the original's (Flask's) dates
        return {"p99": v, "metric_timestamp": http, "metric_timestamp_iso": iso}

    assert r.json() == {
        "warnings": [at(1, 5.0), at(2, 7.0)],
        "errors": [at(3, 10.0), at(4, 12.0)],
    }


async def test_alert_parameter_errors(client):
    url = "/api/v1/alerts/e/a/raw_timer_with_interval/m"
    good = {"measure": "p99", "warning": 1, "error": 2, "start": "2024-01-01", "end": "2024-01-02"}
    assert (await client.get(url, params=good)).status_code == 200
    for missing in good:
        r = await client.get(url, params={k: v for k, v in good.items() if k != missing})
        assert r.status_code == 400 and missing in r.json()["error"]
    assert (await client.get(url, params={**good, "warning": "high"})).status_code == 400
    assert (
        await client.get(url, params={**good, "warning": 3})
    ).status_code == 200  # as the original
    assert (await client.get(url, params={**good, "start": "soon"})).status_code == 400
    r = await client.get(url, params={**good, "measure": "colour"})
    assert r.status_code == 404
    r = await client.get("/api/v1/alerts/e/a/raw_meter/m", params=good)
    assert r.status_code == 404


async def test_alerts_scan_at_most_31_days_inside_the_stored_times(reader):
    url = "/api/v1/alerts/e/a/raw_timer_with_interval/m"
    good = {"measure": "p99", "warning": 1, "error": 2, "start": "2024-01-01", "end": "2024-02-01"}
    assert (await reader.get(url, params=good)).status_code == 200
    for params, field in (
        ({"end": "2024-02-01T00:00:01"}, "end"),
        ({"start": "0001-01-01", "end": "9999-12-31"}, "end"),
        ({"start": "1969-12-31"}, "start"),
        ({"warning": "1e400"}, "warning"),
        ({"error": "NaN"}, "error"),
    ):
        r = await reader.get(url, params={**good, **params})
        assert r.status_code == 400, (params, r.text)
        detail = r.json()["detail"]
        named = detail["field"] if isinstance(detail, dict) else detail[0]["field"]
        assert named.endswith(field), (params, detail)
