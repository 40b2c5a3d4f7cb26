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


def counter(env: str, app: str, metric: str, when: dt.datetime) -> dict[str, object]:
    point = gauge(env, app, metric, when)
    del point["value"]
    return {**point, "count": 5, "previous_count": 2}


def timer(env: str, app: str, metric: str, when: dt.datetime) -> dict[str, object]:
    point = gauge(env, app, metric, when)
    del point["value"]
    return {**point, "mean": 1.0, "duration_unit": "milliseconds", "rate_unit": "seconds"}


async def write_three_tables(client, env: str, t: dt.datetime) -> None:
    """cpu (gauge, web), mem (gauge, db), latency (timer, web), requests (counter, web)."""
    # The later batch first: the catalog keeps the latest time whatever the arrival order.
    await client.post(
        "/api/v1/metrics/raw_gauge",
        json={"points": [gauge(env, "web", "cpu", t + dt.timedelta(hours=2))]},
    )
    await client.post(
        "/api/v1/metrics/raw_gauge",
        json={"points": [gauge(env, "web", "cpu", t), gauge(env, "db", "mem", t)]},
    )
    await client.post(
        "/api/v1/metrics/raw_timer_with_interval",
        json={"points": [timer(env, "web", "latency", t)]},
    )
    await client.post(
        "/api/v1/metrics/raw_counter_with_interval",
        json={"points": [counter(env, "web", "requests", t)]},
    )


def entry(env: str, app: str, metric: str, table: str, last: dt.datetime, units=(None, None)):
    return {
        "environment": env,
        "application": app,
        "metric_name": metric,
        "table": table,
        "last_timestamp": last.isoformat(),
        "duration_unit": units[0],
        "rate_unit": units[1],
    }


async def test_the_listing_holds_the_original_tables_unless_all_are_asked(client, env):
    t = dt.datetime(2024, 6, 1, tzinfo=UTC)
    await write_three_tables(client, env, t)
    latency = entry(
        env, "web", "latency", "raw_timer_with_interval", t, ("milliseconds", "seconds")
    )
    # A counter carries the units too, null, as the original's entries do.
    requests = entry(env, "web", "requests", "raw_counter_with_interval", t)
    cpu = entry(env, "web", "cpu", "raw_gauge", t + dt.timedelta(hours=2))
    mem = entry(env, "db", "mem", "raw_gauge", t)

    def mine(response) -> list[dict[str, object]]:
        assert response.status_code == 200, response.text
        return [m for m in response.json()["data"]["metrics"] if m["environment"] == env]

    # By default only what the original's frontend can chart (its measure list throws on a gauge).
    assert mine(await client.get("/api/v1/metrics")) == [latency, requests]
    assert mine(await client.get("/api/v1/metrics", params={"tables": "all"})) == [
        mem,
        cpu,
        latency,
        requests,
    ]
    only = {"tables": "raw_gauge,raw_counter_with_interval"}
    assert mine(await client.get("/api/v1/metrics", params=only)) == [mem, cpu, requests]

    environments = (await client.get("/api/v1/environments/")).json()["data"]["environments"]
    assert env in environments
    apps = (await client.get(f"/api/v1/environments/{env}/applications")).json()["data"]
    assert apps == {"environment": env, "applications": ["db", "web"]}
    path = f"/api/v1/environments/{env}/applications/web/metrics"
    default = (await client.get(path)).json()["data"]
    assert default["environment"] == env and default["application"] == "web"
    assert [(m["metric_name"], m["table"]) for m in default["metrics"]] == [
        ("latency", "raw_timer_with_interval"),
        ("requests", "raw_counter_with_interval"),
    ]
    assert default["metrics"][1] == {
        k: v for k, v in requests.items() if k not in ("environment", "application")
    }
    every = (await client.get(path, params={"tables": "all"})).json()["data"]["metrics"]
    assert [m["metric_name"] for m in every] == ["cpu", "latency", "requests"]


async def test_an_unknown_table_in_tables_is_a_400_naming_it(reader):
    for path in ("/api/v1/metrics", "/api/v1/environments/e/applications/a/metrics"):
        r = await reader.get(path, params={"tables": "raw_gauge,rollup_gauge"})
        assert r.status_code == 400, r.text
        body = r.json()
        assert "'rollup_gauge'" in body["error"]
        assert body["detail"][0]["field"] == "tables"
        assert (await reader.get(path, params={"tables": ""})).status_code == 400


async def test_an_unknown_environment_has_no_applications(client):
    r = await client.get("/api/v1/environments/no-such-env/applications")
    assert r.status_code == 200
    assert r.json()["data"]["applications"] == []
