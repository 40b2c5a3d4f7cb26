"""Retention deletes whole daily indices past each bucket's retention, and nothing else."""

from __future__ import annotations

import time
from typing import Any

import httpx
from ingest.state import State
from ingest.storage.retention import apply_retention

DAY = 86_400_000


async def test_retention_deletes_old_daily_indices_per_bucket(
    admin: httpx.AsyncClient, bucket: dict[str, Any], ingest: State
) -> None:
    names = ingest.indices.names
    now = int(time.time() * 1000)
    keep_long = (
        await admin.post("/api/admin/buckets", json={"name": "long", "retention_days": 30})
    ).json()
    try:
        # `bucket` keeps 7 days; `keep_long` keeps 30.
        for target, age in ((bucket, 0), (bucket, 6), (bucket, 9), (keep_long, 9), (keep_long, 31)):
            ms = now - age * DAY
            await ingest.indices.ensure(
                names.daily("logs", target["id"], ms), names.alias("logs", ms)
            )
        deleted = await apply_retention(indices=ingest.indices, store=ingest.buckets.store)
        ours = {bucket["id"], keep_long["id"]}
        deleted_here = sorted(
            (names.parse(i)[1] == keep_long["id"], i)
            for i in deleted
            if names.parse(i) and names.parse(i)[1] in ours
        )
        assert deleted_here == [
            (False, names.daily("logs", bucket["id"], now - 9 * DAY)),
            (True, names.daily("logs", keep_long["id"], now - 31 * DAY)),
        ]
        left = await ingest.indices.list_indices(f"{names.prefix}-logs-*")
        assert names.daily("logs", bucket["id"], now - 6 * DAY) in left
        assert names.daily("logs", keep_long["id"], now - 9 * DAY) in left
    finally:
        await admin.delete(f"/api/admin/buckets/{keep_long['id']}")
    left = await ingest.indices.list_indices(f"{names.prefix}-*-{keep_long['id']}-*")
    assert left == []  # deleting a bucket deletes its indices
