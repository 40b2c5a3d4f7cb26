"""Dashboards and alerts answer as the original metrics_server's (issue 13 §2); each difference the
README lists is asserted here."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

UTC = dt.UTC
T0 = dt.datetime(2024, 3, 2, 0, 0, 20, tzinfo=UTC)
TIMER = "raw_timer_with_interval"


def dashboard_name() -> str:
    return f"h13-{uuid.uuid4().hex[:8]}"


async def test_create_answers_200_and_an_existing_name_400_unsuccessful(client):
    name = dashboard_name()
    body = {"name": name, "type": "alert", "data": {"alerts": []}}
    r = await client.post("/api/v1/dashboards", json=body)
    assert r.status_code == 200 and r.json() == {"success": True}
    r = await client.post("/api/v1/dashboards", json=body)
    assert r.status_code == 400
    assert r.json()["success"] is False
    assert r.json()["error"] == f'Dashboard with type "alert" and name "{name}" already exists'
    assert (await client.delete(f"/api/v1/dashboards/alert/{name}")).json() == {"success": True}


async def test_create_with_an_unknown_type_is_400_unsuccessful(client):
    r = await client.post("/api/v1/dashboards", json={"name": "x", "type": "pie", "data": {}})
    assert r.status_code == 400
    assert r.json()["success"] is False and r.json()["error"] == 'Invalid dashboard type "pie"'


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {f: ["Missing data for required field."] for f in ("name", "type", "data")}),
        ({"name": "x", "type": "alert", "data": [1]}, {"data": ["Not a valid mapping type."]}),
        ({"name": 5, "type": "alert", "data": {}}, {"name": ["Not a valid string."]}),
    ],
)
async def test_a_refused_create_names_each_field_as_marshmallow_did(client, body, errors):
    r = await client.post("/api/v1/dashboards", json=body)
    assert r.status_code == 400
    assert r.json()["errors"] == errors
    assert "error" in r.json()  # our one-line error and detail follow


async def test_an_empty_name_is_refused(client):
    # difference: the original stored a dashboard named "" (marshmallow's Str takes it)
    r = await client.post("/api/v1/dashboards", json={"name": "", "type": "alert", "data": {}})
    assert r.status_code == 400 and list(r.json()["errors"]) == ["name"]


async def test_a_body_that_is_not_json_gets_a_json_error(client):
    # difference: the original's Flask answered an HTML page
    r = await client.post(
        "/api/v1/dashboards", content=b"{name: x", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and isinstance(r.json()["error"], str)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_one_dashboard_of_an_unknown_type_is_404(client, method):
    r = await client.request(method, "/api/v1/dashboards/pie/x", json={"data": {}})
    assert r.status_code == 404
    assert r.json()["error"] == 'No dashboard found with type = "pie" and name = "x"'
    if method != "GET":
        assert r.json()["success"] is False


async def test_listing_an_unknown_type_is_400(client):
    r = await client.get("/api/v1/dashboards/pie")
    assert r.status_code == 400 and r.json()["error"] == 'Invalid dashboard type "pie"'


@pytest.mark.parametrize("data", [[1, {"a": 2}], "text", 3.5, 0, False, {}])
async def test_put_takes_data_of_any_json_type(client, data):
    name = dashboard_name()
    await client.post("/api/v1/dashboards", json={"name": name, "type": "time_series", "data": {}})
    r = await client.put(f"/api/v1/dashboards/time_series/{name}", json={"data": data})
    assert r.status_code == 200 and r.json() == {"success": True}
    r = await client.get(f"/api/v1/dashboards/time_series/{name}")
    assert r.json() == {"dashboard": {"type": "time_series", "name": name, "data": data}}
    listed = (await client.get("/api/v1/dashboards/time_series")).json()["dashboards"]
    assert {"type": "time_series", "name": name, "data": data} in listed
    assert (await client.delete(f"/api/v1/dashboards/time_series/{name}")).status_code == 200


@pytest.mark.parametrize("body", [{"data": None}, {"other": 1}])
async def test_put_without_data_is_400(client, body):
    r = await client.put("/api/v1/dashboards/alert/anything", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == 'Request body must contain "data" attribute'


async def test_changing_a_missing_dashboard_is_404_unsuccessful(client):
    for method in ("PUT", "DELETE"):
        r = await client.request(method, "/api/v1/dashboards/alert/h13-none", json={"data": {}})
        assert r.status_code == 404 and r.json()["success"] is False
        assert "No dashboard found" in r.json()["error"]


@pytest.fixture(scope="module")
async def latency(client) -> str:
    env = "h13-alerts"
    values = [1.0, 5.0, 7.0, 10.0, 12.0]
    points = [
        {
            "environment": env,
            "application": "a",
            "metric_name": "lat",
            "metric_timestamp": (
                T0 + dt.timedelta(seconds=i, milliseconds=500 * (i == 2))
            ).isoformat(),
            "p99": v,
        }
        for i, v in enumerate(values)
    ]
    r = await client.post(f"/api/v1/metrics/{TIMER}", json={"points": points})
    assert r.status_code == 200
    return env


def alert_params(**extra: object) -> dict[str, object]:
    return {
        "measure": "p99",
        "warning": 5,
        "error": 10,
        "start": "2024/03/02 00:00",
        "end": "2024-03-02T00:01:00Z",
        **extra,
    }


async def test_alert_times_are_http_dates_as_the_original(client, latency):
    r = await client.get(f"/api/v1/alerts/{latency}/a/{TIMER}/lat", params=alert_params())
    assert r.status_code == 200
    warnings = r.json()["warnings"]
    assert [w["metric_timestamp"] for w in warnings] == [
        "Sat, 02 Mar 2024 00:00:21 GMT",
        "Sat, 02 Mar 2024 00:00:22 GMT",
    ]
    # added beside it: the time to the millisecond
    assert warnings[1]["metric_timestamp_iso"] == "2024-03-02T00:00:22.500+00:00"
    assert [e["p99"] for e in r.json()["errors"]] == [10.0, 12.0]


async def test_a_warning_above_the_error_is_accepted(client, latency):
    r = await client.get(
        f"/api/v1/alerts/{latency}/a/{TIMER}/lat", params=alert_params(warning=11, error=6)
    )
    assert r.status_code == 200
    # value >= error is an error first, so nothing is a warning
    assert r.json()["warnings"] == [] and [e["p99"] for e in r.json()["errors"]] == [
        7.0,
        10.0,
        12.0,
    ]


async def test_alerts_from_after_the_end_find_nothing(client, latency):
    params = alert_params(start="2024-03-02T00:01:00", end="2024-03-02T00:00:00")
    r = await client.get(f"/api/v1/alerts/{latency}/a/{TIMER}/lat", params=params)
    assert r.status_code == 200 and r.json() == {"warnings": [], "errors": []}


async def test_refused_alert_parameters_name_each_field_as_marshmallow_did(client):
    r = await client.get(
        f"/api/v1/alerts/e/a/{TIMER}/m", params={"warning": "high", "start": "2024-03-02"}
    )
    assert r.status_code == 400
    assert r.json()["errors"] == {
        "measure": ["Missing data for required field."],
        "warning": ["Not a valid number."],
        "error": ["Missing data for required field."],
        "end": ["Missing data for required field."],
    }


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        # differences: the original answered 500 to an unknown table or measure
        ("/api/v1/alerts/e/a/raw_meter/m", alert_params(), 404),
        (f"/api/v1/alerts/e/a/{TIMER}/m", alert_params(measure="colour"), 404),
        # difference: alerts read every raw point, so a range is at most 31 days
        (f"/api/v1/alerts/e/a/{TIMER}/m", alert_params(end="2024-04-03"), 400),
    ],
)
async def test_alert_refusals_of_ours(client, path, params, status):
    r = await client.get(path, params=params)
    assert r.status_code == status and isinstance(r.json()["error"], str)
