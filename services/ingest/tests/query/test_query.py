"""The query API over real Elasticsearch: metric series, logs, exceptions, events, servers."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest


def status(cpu: float, heap: str) -> dict[str, Any]:
    return {
        "server_name": "q-1",
        "data": {
            "process": [
                {
                    "name": "api",
                    "pm_id": 0,
                    "cpu": cpu,
                    "memory": 100,
                    "axm_monitor": {"Heap Size": {"value": heap}},
                },
                {"name": "worker", "pm_id": 1, "cpu": 1, "memory": 5, "axm_monitor": {}},
            ],
            "server": {"hostname": "hq"},
        },
    }


def log_frames(now: int) -> list[dict[str, Any]]:
    """Five log lines of two processes, both streams."""
    lines = [
        ("api", "out", "request served in 10ms"),
        ("api", "err", "upstream timeout after 30s"),
        ("worker", "out", "job 1 done"),
        ("worker", "err", "job 2 timeout"),
        ("api", "out", "request served in 12ms"),
    ]
    return [
        {
            "channel": "logs",
            "payload": {
                "data": text,
                "log_type": stream,
                "at": now - 1000 + i,
                "process": {"name": name, "pm_id": 0},
            },
        }
        for i, (name, stream, text) in enumerate(lines)
    ]


def exception_frames(now: int) -> list[dict[str, Any]]:
    """Three `boom` exceptions and one other."""
    boom = {
        "message": "boom",
        "stack": "Error: boom\n    at main (/app/index.js:3:9)",
        "name": "Error",
    }
    other = {"message": "nope", "stack": "TypeError: nope\n    at x", "name": "TypeError"}
    return [
        {
            "channel": "process:exception",
            "payload": {"data": data, "at": now - 3000 + i, "process": {"name": "api", "pm_id": 0}},
        }
        for i, data in enumerate([boom, boom, other, boom])
    ]


def event_frames(now: int) -> list[dict[str, Any]]:
    """A process event, a human event and an unknown channel."""
    return [
        {
            "channel": "process:event",
            "payload": {
                "event": "restart",
                "manually": True,
                "at": now - 500,
                "process": {"name": "api", "pm_id": 0},
            },
        },
        {
            "channel": "human:event",
            "payload": {
                "name": "deploy",
                "data": {"v": 2},
                "at": now - 400,
                "process": {"name": "api"},
            },
        },
        {"channel": "my:metrics", "payload": {"anything": [1, 2]}},
    ]


@pytest.fixture
async def loaded(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, drain: Any
) -> dict[str, Any]:
    now = int(time.time() * 1000)
    frames: list[dict[str, Any]] = [
        {"channel": "status", "payload": status(c, h)} for c, h in ((10, "1"), (20, "2"), (30, "6"))
    ]
    frames += log_frames(now) + exception_frames(now) + event_frames(now)
    response = await anonymous.post("/api/push", headers=keys(bucket, "q-1"), json=frames)
    assert response.status_code == 202
    await drain()
    return {"now": now}


async def test_metric_series_avg_and_max(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, loaded: dict
) -> None:
    base = f"/api/buckets/{bucket['id']}/metrics"
    cpu = (
        await anonymous.get(
            f"{base}/cpu", headers=keys(bucket), params={"interval": "1d", "process": "api"}
        )
    ).json()
    assert [(p["avg"], p["max"], p["count"]) for p in cpu["points"]] == [(20.0, 30.0, 3)]
    heap = (
        await anonymous.get(f"{base}/Heap Size", headers=keys(bucket), params={"interval": "1d"})
    ).json()
    assert [(p["avg"], p["max"]) for p in heap["points"]] == [(3.0, 6.0)]
    names = (await anonymous.get(base, headers=keys(bucket))).json()
    assert names["metrics"] == ["cpu", "memory", "Heap Size"]
    bad = await anonymous.get(f"{base}/cpu", headers=keys(bucket), params={"interval": "soon"})
    assert bad.status_code == 400
    assert "interval" in bad.json()["error"]
    bad = await anonymous.get(f"{base}/cpu", headers=keys(bucket), params={"from": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("from:")


async def test_logs_search_filters_and_pages(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, loaded: dict
) -> None:
    url = f"/api/buckets/{bucket['id']}/logs"

    async def search(**params: Any) -> dict[str, Any]:
        response = await anonymous.get(url, headers=keys(bucket), params=params)
        assert response.status_code == 200, response.text
        return response.json()

    assert [i["message"] for i in (await search(q="timeout"))["items"]] == [
        "job 2 timeout",
        "upstream timeout after 30s",
    ]
    assert (await search(q="timeout", process="api"))["total"] == 1
    assert (await search(stream="err"))["total"] == 2
    page = await search(size=2, offset=2)
    assert page["total"] == 5
    assert [i["message"] for i in page["items"]] == ["job 1 done", "upstream timeout after 30s"]
    assert (await search(q="served", server="elsewhere"))["total"] == 0
    bad = await anonymous.get(url, headers=keys(bucket), params={"stream": "sideways"})
    assert bad.status_code == 400


async def test_exceptions_are_grouped(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, loaded: dict
) -> None:
    groups = (
        await anonymous.get(f"/api/buckets/{bucket['id']}/exceptions", headers=keys(bucket))
    ).json()["groups"]
    by_message = {g["message"]: g for g in groups}
    assert {m: g["count"] for m, g in by_message.items()} == {"boom": 3, "nope": 1}
    boom = by_message["boom"]
    assert boom["first_seen"] == loaded["now"] - 3000
    assert boom["last_seen"] == loaded["now"] - 3000 + 3
    assert boom["processes"] == ["api"]
    assert boom["stack"].startswith("Error: boom")


async def test_events_timeline_and_servers(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, loaded: dict
) -> None:
    events = (
        await anonymous.get(f"/api/buckets/{bucket['id']}/events", headers=keys(bucket))
    ).json()
    assert [e["channel"] for e in events["items"]] == ["my:metrics", "human:event", "process:event"]
    assert events["items"][1]["name"] == "deploy"
    assert events["items"][2]["event"] == "restart"
    only = (
        await anonymous.get(
            f"/api/buckets/{bucket['id']}/events",
            headers=keys(bucket),
            params={"channel": "human:event"},
        )
    ).json()
    assert only["total"] == 1


async def test_other_buckets_keys_do_not_open_a_bucket(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, bucket: dict[str, Any], keys: Any
) -> None:
    other = (await admin.post("/api/admin/buckets", json={"name": "other"})).json()
    try:
        response = await anonymous.get(f"/api/buckets/{bucket['id']}/logs", headers=keys(other))
        assert response.status_code == 403
        assert response.json()["error"] == "these keys belong to another bucket"
        as_admin = await admin.get(f"/api/buckets/{bucket['id']}/logs")
        assert as_admin.status_code == 200
    finally:
        await admin.delete(f"/api/admin/buckets/{other['id']}")
