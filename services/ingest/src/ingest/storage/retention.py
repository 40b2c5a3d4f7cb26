"""Retention: whole daily indices older than their bucket's retention are deleted."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

from redis.asyncio import Redis

from ingest.buckets.store import BucketStore
from ingest.storage.indices import IndexManager

log = logging.getLogger("ingest.retention")


async def apply_retention(
    *, indices: IndexManager, store: BucketStore, today: date | None = None
) -> list[str]:
    """Deletes each bucket's daily indices past its retention; those of deleted buckets too."""
    today = today or datetime.now(UTC).date()
    retention = {b["id"]: b["retention_days"] for b in await store.list_buckets()}
    names = indices.names
    expired = []
    for index in await indices.list_indices(f"{names.prefix}-*"):
        parsed = names.parse(index)
        if parsed is None:
            continue
        _, bucket, day = parsed
        days = retention.get(bucket)
        # A day's index is kept while any of it is within the retention window.
        if days is None or day < today - timedelta(days=days):
            expired.append(index)
    await indices.delete(expired)
    return expired


async def retention_loop(
    *, indices: IndexManager, store: BucketStore, redis: Redis, lock_key: str, interval: float
) -> None:
    """Applies retention every interval; one instance at a time thanks to a Redis lock."""
    while True:
        try:
            if await redis.set(lock_key, "1", nx=True, ex=max(1, int(interval * 0.9))):
                await apply_retention(indices=indices, store=store)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention run failed; retrying next interval")
        await asyncio.sleep(interval)
