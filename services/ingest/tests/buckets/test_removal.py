"""Deleting a bucket deletes what each engine keeps for it: its Redis keys too (real Redis)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from ingest.state import State


async def bucket_keys(ingest: State, bucket_id: str) -> list[bytes]:
    """Every Redis key of this test run naming the bucket."""
    pattern = f"{ingest.keys.prefix}:*{bucket_id}*"
    return sorted([key async for key in ingest.redis.scan_iter(pattern, count=1000)])


async def test_a_deleted_bucket_leaves_no_redis_keys(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, keys: Any, ingest: State
) -> None:
    created = await admin.post("/api/admin/buckets", json={"name": f"rm-{uuid.uuid4().hex[:6]}"})
    bucket = created.json()
    rule = await admin.post(f"/api/admin/buckets/{bucket['id']}/alerts", json={"kind": "restarts"})
    assert rule.status_code == 201  # bumps the bucket's rules version
    for restarts in (1, 2):  # the latest status, and the restart count the observer keeps
        proc = {"name": "api", "pm_id": 0, "cpu": 1, "memory": 1, "restart_time": restarts}
        frame = {"channel": "status", "payload": {"data": {"process": [proc], "server": {}}}}
        pushed = await anonymous.post("/api/push", headers=keys(bucket, "rm-1"), json=[frame])
        assert pushed.status_code == 202
    # an agent of the bucket connected to another instance
    await ingest.redis.set(ingest.keys.agent(bucket["id"], "rm-2"), "elsewhere", ex=60)
    wanted = {
        ingest.keys.status(bucket["id"], "rm-1"),
        ingest.keys.agent(bucket["id"], "rm-2"),
        ingest.keys.rules_version(bucket["id"]),
        ingest.keys.restarts(bucket["id"], "rm-1", "api:0"),
    }
    deadline = asyncio.get_running_loop().time() + 30
    while {k.decode() for k in await bucket_keys(ingest, bucket["id"])} != wanted:
        assert asyncio.get_running_loop().time() < deadline, await bucket_keys(ingest, bucket["id"])
        await asyncio.sleep(0.1)

    assert (await admin.delete(f"/api/admin/buckets/{bucket['id']}")).status_code == 204
    assert await bucket_keys(ingest, bucket["id"]) == []
    assert (await admin.get(f"/api/admin/buckets/{bucket['id']}")).status_code == 404
