"""A connected agent's presence: the Redis key is refreshed every round, the servers collection only
written when what it records changed (or every 5 minutes), so 1,000 agents do not write MongoDB 100
times a second."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ingest.state import State
from websockets.asyncio.client import ClientConnection, connect


def status(hostname: str) -> dict[str, Any]:
    server = {"hostname": hostname, "pm2_version": "6.0.14"}
    return {"data": {"process": [{"name": "api", "pm_id": 0, "cpu": 1}], "server": server}}


async def barrier(ws: ClientConnection) -> None:
    """Frames are handled in order: once a malformed one is answered, all before it are done."""
    await ws.send("{barrier")
    while json.loads(await asyncio.wait_for(ws.recv(), 10))["channel"] != "ingest:error":
        pass


async def test_presence_writes_the_server_only_when_it_changed(
    base_url: str, bucket: dict[str, Any], ingest: State, held: Any
) -> None:
    async def last_seen() -> Any:
        servers = await ingest.buckets.store.list_servers(bucket["id"])
        return next(s for s in servers if s["machine_name"] == "pres-1")

    headers = {
        "X-KM-PUBLIC": bucket["public_key"],
        "X-KM-SECRET": bucket["secret_key"],
        "X-KM-SERVER": "pres-1",
    }
    url = base_url.replace("http", "ws", 1) + "/interaction"
    async with connect(url, additional_headers=headers) as ws:
        await ws.send(json.dumps({"channel": "status", "payload": status("host-a")}))
        await barrier(ws)
        # the connection is recorded in the background: wait for it, or its write would land
        # between the calls below (seen on a loaded machine: last_seen 3 ms later)
        await held(bucket, "pres-1")
        session = ingest.sessions.sessions[(bucket["id"], "pres-1")]
        key = ingest.keys.agent(bucket["id"], "pres-1")

        await ingest.sessions.presence(session)  # the hostname is new: written
        written = await last_seen()
        assert written["hostname"] == "host-a"
        await ingest.redis.expire(key, 5)
        await ingest.sessions.presence(session)  # nothing changed: only the presence key
        assert (await last_seen())["last_seen"] == written["last_seen"]
        assert await ingest.redis.ttl(key) > 5

        await ws.send(json.dumps({"channel": "status", "payload": status("host-b")}))
        await barrier(ws)
        await ingest.sessions.presence(session)
        changed = await last_seen()
        assert changed["hostname"] == "host-b"
        assert changed["last_seen"] > written["last_seen"]
