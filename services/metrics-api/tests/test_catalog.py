"""The catalog endpoints: metrics with their last timestamp, environments, applications."""

from __future__ import annotations

import datetime as dt

UTC = dt.UTC


def gauge(env: str, app: str, metric: str, when: dt.datetime) -> dict[str, object]:
    return {
        "environment": env,
        "application": app,
        "metric_name": metric,
        "metric_timestamp": when.isoformat(),
        "value": 1.0,
    }


async def test_catalog_lists_what_was_written(client, env):
    t = dt.datetime(2024, 6, 1, tzinfo=UTC)
    # The later batch first: the catalog keeps the latest time whatever the arrival order.
    await client.post(
        "/api/v1/metrics/raw_gauge",
        json={"points": [gauge(env, "web", "cpu", t + dt.timedelta(hours=2))]},
    )
    await client.post(
        "/api/v1/metrics/raw_gauge",
        json={"points": [gauge(env, "web", "cpu", t), gauge(env, "db", "mem", t)]},
    )
    timer = {
        **gauge(env, "web", "latency", t),
        "mean": 1.0,
        "duration_unit": "milliseconds",
        "rate_unit": "seconds",
    }
    del timer["value"]
    await client.post("/api/v1/metrics/raw_timer_with_interval", json={"points": [timer]})

    everything = (await client.get("/api/v1/metrics")).json()["data"]["metrics"]
    mine = [m for m in everything if m["environment"] == env]
    assert mine == [
        {
            "environment": env,
            "application": "db",
            "metric_name": "mem",
            "table": "raw_gauge",
            "last_timestamp": t.isoformat(),
        },
        {
            "environment": env,
            "application": "web",
            "metric_name": "cpu",
            "table": "raw_gauge",
            "last_timestamp": (t + dt.timedelta(hours=2)).isoformat(),
        },
        {
            "environment": env,
            "application": "web",
            "metric_name": "latency",
            "table": "raw_timer_with_interval",
            "last_timestamp": t.isoformat(),
            "duration_unit": "milliseconds",
            "rate_unit": "seconds",
        },
    ]
    environments = (await client.get("/api/v1/environments/")).json()["data"]["environments"]
    assert env in environments
    apps = (await client.get(f"/api/v1/environments/{env}/applications")).json()["data"]
    assert apps == {"environment": env, "applications": ["db", "web"]}
    metrics = (await client.get(f"/api/v1/environments/{env}/applications/web/metrics")).json()[
        "data"
    ]
    assert metrics["environment"] == env and metrics["application"] == "web"
    assert [(m["metric_name"], m["table"]) for m in metrics["metrics"]] == [
        ("cpu", "raw_gauge"),
        ("latency", "raw_timer_with_interval"),
    ]


async def test_an_unknown_environment_has_no_applications(client):
    r = await client.get("/api/v1/environments/no-such-env/applications")
    assert r.status_code == 200
    assert r.json()["data"]["applications"] == []
