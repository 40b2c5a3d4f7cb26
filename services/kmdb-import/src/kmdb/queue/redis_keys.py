"""Removing one queue's keys from Redis (never the whole database: it may be shared)."""

from __future__ import annotations

from redis.asyncio import Redis

from kmdb.queue.names import queue_name
from kmdb.settings import Settings

PREFIXES = ("arq:job:", "arq:in-progress:", "arq:result:", "arq:retry:")


async def clear_queue(redis: Redis, settings: Settings) -> int:
    """Deletes the queue and every job, result and lock key of this KMDB_QUEUE."""
    count = int(await redis.delete(queue_name(settings), queue_name(settings) + ":health-check"))
    for prefix in PREFIXES:
        async for key in redis.scan_iter(match=f"{prefix}{settings.queue}:*", count=1000):
            count += int(await redis.delete(key))
    return count
