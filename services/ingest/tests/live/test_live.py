"""The live stream (SSE), fanned out through Redis pub/sub."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx


async def test_live_stream_carries_status_and_logs(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any
) -> None:
    url = f"/api/buckets/{bucket['id']}/live"
    status = {
        "data": {"process": [{"name": "api", "pm_id": 0, "cpu": 4, "memory": 9}], "server": {}}
    }
    frames = [
        {"channel": "status", "payload": status},
        {
            "channel": "logs",
            "payload": {"data": "hello live", "log_type": "out", "process": {"name": "api"}},
        },
        {"channel": "not:live", "payload": {}},
    ]
    async with anonymous.stream(
        "GET", url, headers=keys(bucket), params={"types": "status,log"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        assert (await anext(lines)).startswith(":")  # subscribed
        pushed = await anonymous.post("/api/push", headers=keys(bucket, "live-1"), json=frames)
        assert pushed.status_code == 202
        events: list[dict[str, Any]] = []
        while len(events) < 2:
            line = await asyncio.wait_for(anext(lines), 10)
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert [e["type"] for e in events] == ["status", "log"]
    assert events[0]["server"] == "live-1"
    assert events[0]["processes"][0]["cpu"] == 4
    assert events[1]["message"] == "hello live"


async def test_live_refuses_unknown_types(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any
) -> None:
    response = await anonymous.get(
        f"/api/buckets/{bucket['id']}/live", headers=keys(bucket), params={"types": "gossip"}
    )
    assert response.status_code == 400
    assert "gossip" in response.json()["error"]
