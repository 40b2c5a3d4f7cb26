"""The agents' state in Redis: each server's latest full status (written with the intake, see
intake/stream.py) and which instance holds its websocket (written by agent/registry.py)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from ingest.agent.channels import processes_of
from ingest.intake.stream import latest_status
from ingest.keys import RedisKeys

SCAN_COUNT = 1000
DELETE_BATCH = 500


class AgentStore:
    """Reads the servers' latest statuses and presence; forgets a deleted bucket's keys."""

    def __init__(self, redis: Redis, keys: RedisKeys):
        self.redis = redis
        self.keys = keys

    async def latest_processes(self, bucket: str, server: str) -> list[dict[str, Any]]:
        """The processes of a server's latest status (none before its first status)."""
        raw = await self.redis.get(self.keys.status(bucket, server))
        return processes_of(latest_status(raw)["status"]) if raw else []

    async def holder(self, bucket: str, server: str) -> str | None:
        """The instance holding a server's websocket, if it is connected."""
        value = await self.redis.get(self.keys.agent(bucket, server))
        return value.decode() if isinstance(value, bytes) else value

    async def announce(self, bucket: str, server: str, instance: str, ttl: int) -> None:
        """Says, for `ttl` seconds, that `instance` holds the server's websocket."""
        await self.redis.set(self.keys.agent(bucket, server), instance, ex=ttl)

    async def release(self, bucket: str, server: str, instance: str) -> None:
        """Forgets the server's presence, unless another instance took it over meanwhile."""
        key = self.keys.agent(bucket, server)
        if (await self.redis.get(key)) in (instance, instance.encode()):
            await self.redis.delete(key)

    async def presence(self, bucket: str, servers: list[str]) -> list[Any]:
        """For each server, the instance holding its websocket now (None when offline)."""
        return list(await self.redis.mget([self.keys.agent(bucket, name) for name in servers]))

    async def latest_statuses(self, bucket: str, servers: list[str]) -> list[dict[str, Any] | None]:
        """For each server, its latest status `{received_at, status}` (None before the first)."""
        raws = await self.redis.mget([self.keys.status(bucket, name) for name in servers])
        return [latest_status(raw) if raw else None for raw in raws]

    async def forget_bucket(self, bucket: str) -> int:
        """Deletes every key kept for a bucket (keys.of_bucket); how many there were."""
        found: list[Any] = []
        for pattern in self.keys.of_bucket(bucket):
            found += [key async for key in self.redis.scan_iter(pattern, count=SCAN_COUNT)]
        for start in range(0, len(found), DELETE_BATCH):
            await self.redis.delete(*found[start : start + DELETE_BATCH])
        return len(found)
