"""Dashboards CRUD, stored in Cassandra, and its errors."""

from __future__ import annotations

import uuid

import pytest
from meridian_kit.errors import BadRequest, PayloadTooLarge
from metrics_api.dashboards.service import check_data


async def test_dashboard_lifecycle(client):
    name = f"ops-{uuid.uuid4().hex[:6]}"
    data = {
        "charts": [{"title": "cpu", "series": [{"metric_name": "cpu", "axis": "left"}]}],
        "range": {"mode": "relative"},
    }
    r = await client.post(
        "/api/v1/dashboards", json={"name": name, "type": "time_series", "data": data}
    )
    assert r.status_code == 200 and r.json() == {"success": True}
    again = await client.post(
        "/api/v1/dashboards", json={"name": name, "type": "time_series", "data": {}}
    )
    assert again.status_code == 400 and again.json()["success"] is False
    assert "already exists" in again.json()["error"]

    one = await client.get(f"/api/v1/dashboards/time_series/{name}")
    assert one.json() == {"dashboard": {"type": "time_series", "name": name, "data": data}}
    listed = (await client.get("/api/v1/dashboards/time_series")).json()["dashboards"]
    assert {"type": "time_series", "name": name, "data": data} in listed
    assert name in [
        d["name"] for d in (await client.get("/api/v1/dashboards")).json()["dashboards"]
    ]

    r = await client.put(f"/api/v1/dashboards/time_series/{name}", json={"data": {"charts": []}})
    assert r.status_code == 200
    assert (await client.get(f"/api/v1/dashboards/time_series/{name}")).json()["dashboard"][
        "data"
    ] == {"charts": []}

    assert (await client.delete(f"/api/v1/dashboards/time_series/{name}")).status_code == 200
    assert (await client.get(f"/api/v1/dashboards/time_series/{name}")).status_code == 404
    assert (await client.delete(f"/api/v1/dashboards/time_series/{name}")).status_code == 404
    assert (
        await client.put(f"/api/v1/dashboards/time_series/{name}", json={"data": {}})
    ).status_code == 404


async def test_dashboard_errors(client):
    r = await client.post("/api/v1/dashboards", json={"name": "x", "type": "pie", "data": {}})
    assert r.status_code == 400 and "pie" in r.json()["error"] and r.json()["success"] is False
    r = await client.post("/api/v1/dashboards", json={"name": "x", "type": "alert"})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "data"
    assert r.json()["errors"] == {"data": ["Missing data for required field."]}
    r = await client.get("/api/v1/dashboards/pie")
    assert r.status_code == 400
    r = await client.put("/api/v1/dashboards/alert/x", json={"nothing": 1})
    assert r.status_code == 400
    r = await client.get("/api/v1/dashboards/alert/does-not-exist")
    assert r.status_code == 404 and "does-not-exist" in r.json()["error"]


def nested(levels: int) -> dict:
    """A dict nested `levels` deep."""
    data: dict = {"leaf": 1}
    for _ in range(levels - 1):
        data = {"n": data}
    return data


async def test_deep_or_large_data_is_refused_and_the_listing_still_answers(client):
    name = f"deep-{uuid.uuid4().hex[:6]}"
    r = await client.post(
        "/api/v1/dashboards", json={"name": name, "type": "time_series", "data": nested(300)}
    )
    assert r.status_code == 400, r.text
    # refused by the kit's JSON rule (the whole body) or by the dashboard's own (its data)
    assert r.json()["detail"][0]["field"].startswith("data")
    ok = await client.post(
        "/api/v1/dashboards", json={"name": name, "type": "time_series", "data": nested(30)}
    )
    assert ok.status_code == 200
    r = await client.put(f"/api/v1/dashboards/time_series/{name}", json={"data": nested(33)})
    assert r.status_code == 400
    big = {"charts": ["x" * 1000] * 300}
    r = await client.put(f"/api/v1/dashboards/time_series/{name}", json={"data": big})
    assert r.status_code == 413 and "larger than" in r.json()["error"]
    assert (await client.get("/api/v1/dashboards")).status_code == 200
    assert (await client.delete(f"/api/v1/dashboards/time_series/{name}")).status_code == 200


async def test_a_bad_stored_row_never_breaks_the_listing(client, cql, keyspace):
    # Rows as an older version (or a hand edit) may have left them: far too deep, not JSON.
    deep = '{"n": ' * 300 + "1" + "}" * 300
    bad = {f"bad-deep-{uuid.uuid4().hex[:6]}": deep, f"bad-text-{uuid.uuid4().hex[:6]}": "{nope"}
    for name, text in bad.items():
        cql.execute(
            f"INSERT INTO {keyspace}.dashboards (type, name, data) VALUES ('alert', %s, %s)",
            [name, text],
        )
    good = f"good-{uuid.uuid4().hex[:6]}"
    r = await client.post("/api/v1/dashboards", json={"name": good, "type": "alert", "data": {}})
    assert r.status_code == 200
    for path in ("/api/v1/dashboards", "/api/v1/dashboards/alert"):
        r = await client.get(path)
        assert r.status_code == 200, r.text
        names = {d["name"] for d in r.json()["dashboards"]}
        assert good in names and not names & set(bad)
    for name in bad:
        r = await client.get(f"/api/v1/dashboards/alert/{name}")
        assert r.status_code == 409 and "delete it" in r.json()["error"]
        assert (await client.delete(f"/api/v1/dashboards/alert/{name}")).status_code == 200


def test_the_dashboard_rule_holds_without_the_kits():
    # The kit's JSON rule (MAX_JSON_DEPTH) refuses deep bodies first; the dashboard's own rule
    # holds whatever that setting says.
    assert check_data(nested(32)).startswith('{"n":')
    with pytest.raises(BadRequest, match="deeper than 32"):
        check_data(nested(33))
    with pytest.raises(BadRequest, match="not finite"):
        check_data({"x": [1.0, float("nan")]})
    with pytest.raises(BadRequest, match="not plain JSON"):
        check_data({"x": 2**70})
    with pytest.raises(PayloadTooLarge):
        check_data({"x": "y" * 300_000})
