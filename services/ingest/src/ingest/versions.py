"""The version counters in Redis that every instance's caches check (the key → bucket lookup and
each bucket's alert rules): a change bumps its counter after MongoDB took it, a lookup reads the
counter first, so a change through any instance holds on every instance from its next lookup."""

from __future__ import annotations

from redis.asyncio import Redis

from ingest.keys import RedisKeys


class CacheVersions:
    """Reads and bumps the buckets' version and each bucket's rules version."""

    def __init__(self, redis: Redis, keys: RedisKeys):
        self.redis = redis
        self.keys = keys

    async def buckets(self) -> bytes | None:
        """The buckets' version now (None before the first change)."""
        version: bytes | None = await self.redis.get(self.keys.buckets_version)
        return version

    async def buckets_changed(self) -> None:
        """Tells every instance that a bucket changed."""
        await self.redis.incr(self.keys.buckets_version)

    async def rules(self, bucket: str) -> bytes | None:
        """A bucket's rules version now (None before the first change)."""
        version: bytes | None = await self.redis.get(self.keys.rules_version(bucket))
        return version

    async def rules_changed(self, bucket: str) -> None:
        """Tells every instance that a bucket's rules changed."""
        await self.redis.incr(self.keys.rules_version(bucket))
