"""A bucket's servers need Redis to say who is online: without it the answer is a 503 (the kit's
Unavailable), never every server offline with a 200."""

from __future__ import annotations

from typing import Any

import httpx
from ingest.state import State


async def test_servers_without_redis_are_a_503_not_all_offline(
    admin: httpx.AsyncClient,
    bucket: dict[str, Any],
    ingest: State,
    without_redis: httpx.AsyncClient,
) -> None:
    await ingest.buckets.server_seen(bucket["id"], "web-1", {"hostname": "web-1"})
    listed = await admin.get(f"/api/buckets/{bucket['id']}/servers")
    assert [s["machine_name"] for s in listed.json()] == ["web-1"]
    for path in (
        f"/api/buckets/{bucket['id']}/servers",
        f"/api/admin/buckets/{bucket['id']}/servers",
    ):
        answer = await without_redis.get(path)
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"].startswith("redis unavailable")
        assert answer.headers["retry-after"] == "5"
