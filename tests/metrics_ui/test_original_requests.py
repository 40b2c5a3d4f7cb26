"""The requests the original metrics_server frontend makes, replayed as its code sends them (its
paths at the site root, moment's ISO times with milliseconds, `size` = window width - 144, alert
thresholds as typed) to the running suite's gateway, and its answers read as its code reads them.
Needs none of the original's sources: this is what holds where test_original_frontend.py is skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import GATEWAY, tls

pytestmark = pytest.mark.timeout(120)

ENV = f"replay-{uuid.uuid4().hex[:8]}"
POINTS = 90  # one every 20 s, the last a minute ago
DASHBOARD = f"{ENV}-dash"


def moment_iso(t: dt.datetime) -> str:
    """moment's toISOString(): UTC, milliseconds, Z."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def utc(text: str) -> dt.datetime:
    """An ISO time as UTC (a naive one is UTC)."""
    t = dt.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ[name]}", "Accept": "application/json"}


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(base_url=GATEWAY, verify=tls(), timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def written(http: httpx.Client) -> Iterator[dt.datetime]:
    """A counter, a timer and a gauge through the root route with the write token; the time of
    the last point. The dashboard the tests save is deleted afterwards."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    times = [now - dt.timedelta(seconds=60 + 20 * (POINTS - 1 - i)) for i in range(POINTS)]
    key = {"environment": ENV, "application": "api"}
    tables: dict[str, list[dict[str, Any]]] = {
        "raw_counter_with_interval": [
            {**key, "metric_name": "hits", "metric_timestamp": t.isoformat()}
            | {"count": 5 * (i + 1), "previous_count": 5 * i}
            for i, t in enumerate(times)
        ],
        "raw_timer_with_interval": [
            {**key, "metric_name": "lat", "metric_timestamp": t.isoformat()}
            | {"p99": float(i), "duration_unit": "milliseconds", "rate_unit": "seconds"}
            for i, t in enumerate(times)
        ],
        "raw_gauge": [
            {**key, "metric_name": "mem", "metric_timestamp": t.isoformat(), "value": 1.0}
            for t in times
        ],
    }
    for table, points in tables.items():
        answer = http.post(
            f"/api/v1/metrics/{table}",
            json={"points": points},
            headers=bearer("METRICS_API_WRITE_TOKEN"),
        )
        assert answer.status_code == 200, answer.text
    yield times[-1]
    http.delete(
        f"/api/v1/dashboards/time_series/{DASHBOARD}", headers=bearer("METRICS_API_WRITE_TOKEN")
    )


def test_root_api_wants_credentials_like_the_prefixed_one(http: httpx.Client) -> None:
    for path in ("/api/v1/metrics", "/metrics/api/v1/metrics"):
        answer = http.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["www-authenticate"].startswith("Bearer")
    wrong = http.get("/api/v1/metrics", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401


def test_metric_picker_listing(http: httpx.Client, written: dt.datetime) -> None:
    # MetricPicker.loadMetrics: GET /api/v1/metrics, then collapseMetrics(body.data.metrics).
    answer = http.get("/api/v1/metrics", headers=bearer("METRICS_API_READ_TOKEN"))
    assert answer.status_code == 200, answer.text
    mine = [m for m in answer.json()["data"]["metrics"] if m["environment"] == ENV]
    # Only the tables its measureMap knows; each entry with the keys its code reads.
    assert [(m["metric_name"], m["table"]) for m in mine] == [
        ("hits", "raw_counter_with_interval"),
        ("lat", "raw_timer_with_interval"),
    ]
    keys = {"environment", "application", "metric_name", "table", "last_timestamp"}
    for m in mine:
        assert set(m) == keys | {"duration_unit", "rate_unit"}
        assert utc(m["last_timestamp"]) == written
    assert (mine[0]["duration_unit"], mine[0]["rate_unit"]) == (None, None)
    assert (mine[1]["duration_unit"], mine[1]["rate_unit"]) == ("milliseconds", "seconds")


def test_chart_data_as_the_time_series_dashboard_asks(
    http: httpx.Client, written: dt.datetime
) -> None:
    # TimeSeriesDashboard.loadData: utils.generateMetricsUrl + columns, moment ISO times, size.
    end = dt.datetime.now(dt.UTC)
    params = {
        "columns": "interval_count",
        "start_timestamp": moment_iso(end - dt.timedelta(hours=1)),
        "end_timestamp": moment_iso(end),
        "size": str(1280 - 144),
    }
    answer = http.get(
        f"/api/v1/metrics/raw_counter_with_interval/{ENV}/api/hits",
        params=params,
        headers=bearer("METRICS_API_READ_TOKEN"),
    )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["data"]["rows"]  # rows.map(r => [new Date(r[0]), r[1]])
    assert len(rows) == POINTS
    assert all(r[1] == 5 for r in rows)
    assert utc(rows[-1][0]) == written


def test_alert_as_the_alert_dashboard_asks(http: httpx.Client, written: dt.datetime) -> None:
    # AlertDashboard.loadAlertData: measure, the thresholds as typed, moment ISO start/end.
    end = dt.datetime.now(dt.UTC)
    params = {
        "measure": "p99",
        "warning": "60",
        "error": "80",
        "start": moment_iso(end - dt.timedelta(hours=1)),
        "end": moment_iso(end),
    }
    answer = http.get(
        f"/api/v1/alerts/{ENV}/api/raw_timer_with_interval/lat",
        params=params,
        headers=bearer("METRICS_API_READ_TOKEN"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()  # AlertRow reads data.warnings.length and data.errors.length
    assert (len(body["warnings"]), len(body["errors"])) == (20, POINTS - 80)


def test_dashboards_as_the_dashboard_pages_use_them(
    http: httpx.Client, written: dt.datetime
) -> None:
    write, read = bearer("METRICS_API_WRITE_TOKEN"), bearer("METRICS_API_READ_TOKEN")
    data: dict[str, Any] = {"name": DASHBOARD, "version": "1.0", "charts": []}
    # Dashboards.addDashboard, then loadDashboards(type) reading body.dashboards.
    created = http.post(
        "/api/v1/dashboards",
        json={"name": DASHBOARD, "type": "time_series", "data": data},
        headers=write,
    )
    assert created.status_code in (200, 201), created.text
    for path in ("/api/v1/dashboards", "/api/v1/dashboards/time_series"):
        listed = http.get(path, headers=read)
        assert listed.status_code == 200, listed.text
        assert DASHBOARD in [d["name"] for d in listed.json()["dashboards"]]
    # Dashboard.save (PUT {data}) and Dashboard.load reading body.dashboard.data.
    data["charts"] = [{"title": "saved", "metrics": []}]
    saved = http.put(
        f"/api/v1/dashboards/time_series/{DASHBOARD}", json={"data": data}, headers=write
    )
    assert saved.status_code == 200, saved.text
    loaded = http.get(f"/api/v1/dashboards/time_series/{DASHBOARD}", headers=read)
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["dashboard"]["data"] == data
    # With the read token the save is refused, which the original frontend only logs.
    refused = http.put(
        f"/api/v1/dashboards/time_series/{DASHBOARD}", json={"data": data}, headers=read
    )
    assert refused.status_code == 403
