"""Two ingest instances sharing the engines: a command sent to one reaches an agent on the other
(`second_instance`: conftest.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import connect


async def test_command_crosses_instances(
    base_url: str, second_instance: str, bucket: dict[str, Any], keys: Any, held: Any
) -> None:
    headers = {**keys(bucket, "multi-1"), "X-PM2-VERSION": "6.0.14", "X-PROTOCOL-VERSION": "1"}
    url = second_instance.replace("http", "ws", 1) + "/interaction"
    async with connect(url, additional_headers=headers) as ws:  # the agent is on instance 2
        await ws.send(
            json.dumps({"channel": "status", "payload": {"data": {"process": [], "server": {}}}})
        )
        await ws.send("{barrier")
        while json.loads(await asyncio.wait_for(ws.recv(), 10))["channel"] != "ingest:error":
            pass
        await held(bucket, "multi-1")

        async def agent() -> None:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if (
                    frame["channel"] == "trigger:pm2:action"
                    and frame["payload"]["method_name"] == "reload"
                ):
                    break
            result = {
                "ret": {"err": None, "data": "ok"},
                "meta": {"method_name": "reload", "app_name": "api"},
            }
            await ws.send(json.dumps({"channel": "trigger:pm2:result", "payload": result}))

        answering = asyncio.create_task(agent())
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as first:  # asked on instance 1
            response = await first.post(
                f"/api/buckets/{bucket['id']}/servers/multi-1/pm2",
                headers=keys(bucket),
                json={"method_name": "reload", "parameters": {"name": "api"}},
            )
        await answering
    assert response.status_code == 200, response.text
    assert response.json()["replies"] == [
        {"channel": "trigger:pm2:result", "payload": result_of("reload")}
    ]


def result_of(method: str) -> dict[str, Any]:
    return {"ret": {"err": None, "data": "ok"}, "meta": {"method_name": method, "app_name": "api"}}
