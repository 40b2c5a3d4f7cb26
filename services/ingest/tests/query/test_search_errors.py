"""A search Elasticsearch cannot run for want of shards is an outage (503, retry), not a bad query."""

from __future__ import annotations

from typing import Any

import httpx
from ingest.state import State


async def test_a_daily_index_without_shards_is_a_503_not_a_400(
    admin: httpx.AsyncClient, bucket: dict[str, Any], ingest: State
) -> None:
    index = ingest.indices.names.daily("logs", bucket["id"], 1_700_000_000_000)
    # its primary may live on no node: allocated never, so every search of it fails with a 503
    settings = {"index.routing.allocation.require._name": "no-such-node"}
    await ingest.es.indices.create(index=index, settings=settings, wait_for_active_shards="0")
    try:
        answer = await admin.get(f"/api/buckets/{bucket['id']}/logs", params={"from": 0})
    finally:
        await ingest.es.indices.delete(index=index)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"].startswith("elasticsearch unavailable")
    assert answer.headers["retry-after"] == "5"
