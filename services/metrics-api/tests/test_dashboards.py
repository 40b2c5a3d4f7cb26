"""Dashboards CRUD, stored in Cassandra, and its errors."""

from __future__ import annotations

import uuid


async def test_dashboard_lifecycle(client):
    name = f"ops-{uuid.uuid4().hex[:6]}"
    data = {
        "charts": [{"title": "cpu", "series": [{"metric_name": "cpu", "axis": "left"}]}],
        "range": {"mode": "relative"},
    }
    r = await client.post(
        "/api/v1/dashboards", json={"name": name, "type": "time_series", "data": data}
    )
    assert r.status_code == 201 and r.json() == {"success": True}
    again = await client.post(
        "/api/v1/dashboards", json={"name": name, "type": "time_series", "data": {}}
    )
    assert again.status_code == 409 and "already exists" in again.json()["error"]

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
    assert r.status_code == 400 and "pie" in r.json()["error"]
    r = await client.post("/api/v1/dashboards", json={"name": "x", "type": "alert"})
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "data"
    r = await client.get("/api/v1/dashboards/pie")
    assert r.status_code == 400
    r = await client.put("/api/v1/dashboards/alert/x", json={"nothing": 1})
    assert r.status_code == 400
    r = await client.get("/api/v1/dashboards/alert/does-not-exist")
    assert r.status_code == 404 and "does-not-exist" in r.json()["error"]
