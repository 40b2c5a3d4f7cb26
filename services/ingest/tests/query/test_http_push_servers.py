"""A server that only pushes over HTTP (no websocket) shows its host and versions in the servers
query: taken from its latest status when its record (verifyPM2's) lacks them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx


def status(hostname: str) -> dict[str, Any]:
    """A status whose server block names the host and versions, as pm2's agent sends it."""
    server = {"hostname": hostname, "pm2_version": "6.0.14", "pm2_agent_version": "2.1.3"}
    return {
        "data": {"process": [{"name": "api", "pm_id": 0, "status": "online"}], "server": server}
    }


async def test_a_pushing_server_shows_its_host_and_versions(
    anonymous: httpx.AsyncClient, bucket: dict[str, Any], keys: Any, drain: Any
) -> None:
    verified = await anonymous.post(
        "/api/node/verifyPM2",
        json={
            "public_id": bucket["public_key"],
            "private_id": bucket["secret_key"],
            "data": {"MACHINE_NAME": "push-1"},  # no HOSTNAME, no PM2_VERSION
        },
    )
    assert verified.status_code == 200, verified.text
    frames = [{"channel": "status", "payload": status("host-push-1")}]
    pushed = await anonymous.post("/api/push", headers=keys(bucket, "push-1"), json=frames)
    assert pushed.status_code == 202, pushed.text
    await drain()
    path = f"/api/buckets/{bucket['id']}/servers"
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        servers = (await anonymous.get(path, headers=keys(bucket))).json()
        found = [s for s in servers if s["machine_name"] == "push-1"]
        if (found and found[0]["processes"]) or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    assert len(found) == 1, servers
    server = found[0]
    assert (server["hostname"], server["pm2_version"], server["agent_version"]) == (
        "host-push-1",
        "6.0.14",
        "2.1.3",
    )
    assert [p["name"] for p in server["processes"]] == ["api"]
