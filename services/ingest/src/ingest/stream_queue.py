"""A Redis Stream worked by a consumer group: the durable queue under intake, mails and metrics.

Entries stay in the stream until a consumer has handled them (XACK + XDEL), so a crash loses
nothing: entries a dead consumer read but never acknowledged are claimed by another once they
have been idle long enough.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.typing import EncodableT, FieldT

log = logging.getLogger("ingest.stream_queue")

Item = tuple[str, dict[Any, Any]]
Fields = dict[FieldT, EncodableT]
MIN_BACKOFF, MAX_BACKOFF = 0.5, 10.0


def _items(raw: list[tuple[Any, Any]]) -> list[Item]:
    return [(i.decode() if isinstance(i, bytes) else str(i), f) for i, f in raw if f]


def field(fields: dict[Any, Any], name: str) -> Any:
    """A field of an entry, whether the client decoded names or not."""
    return fields.get(name.encode(), fields.get(name))


class StreamQueue:
    """One stream and its consumer group."""

    def __init__(self, redis: Redis, key: str, group: str, *, maxlen: int | None = None):
        self.redis = redis
        self.key = key
        self.group = group
        self.maxlen = maxlen

    async def add(self, fields: Fields) -> None:
        """Appends an entry (the oldest are trimmed past maxlen, when one is set)."""
        await self.redis.xadd(self.key, fields, maxlen=self.maxlen, approximate=True)

    async def length(self) -> int:
        """Entries added and not yet handled."""
        return int(await self.redis.xlen(self.key))

    async def ensure_group(self) -> None:
        """Creates the consumer group (and the stream) if missing."""
        try:
            await self.redis.xgroup_create(self.key, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[Item]:
        """Entries another (likely dead) consumer read but never acknowledged."""
        result = await self.redis.xautoclaim(
            self.key, self.group, consumer, min_idle_time=min_idle_ms, start_id="0-0", count=count
        )
        return _items(result[1] if result else [])

    async def read(self, consumer: str, count: int, block_ms: int) -> list[Item]:
        """New entries for this consumer (blocks up to block_ms)."""
        found = await self.redis.xreadgroup(
            self.group, consumer, {self.key: ">"}, count=count, block=block_ms
        )
        return _items([item for _, entries in found or [] for item in entries])

    async def done(self, ids: list[str], dead: tuple[str, Fields] | None = None) -> None:
        """Acknowledges and removes handled entries; `dead` = (stream, fields) to keep a failure."""
        if not ids:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            if dead is not None:
                pipe.xadd(dead[0], dead[1], maxlen=10_000, approximate=True)
            pipe.xack(self.key, self.group, *ids)
            pipe.xdel(self.key, *ids)
            await pipe.execute()

    async def consume(
        self,
        consumer: str,
        handle: Callable[[list[Item]], Awaitable[None]],
        *,
        count: int,
        claim_idle_ms: int,
        claim_every: int = 1,
    ) -> None:
        """Hands entries to `handle` until cancelled: new ones, and every `claim_every` rounds
        first those a dead consumer left; `handle` acknowledges what it finished. A Redis outage
        pauses it (backing off), never stops it."""
        backoff, rounds, group_ready = MIN_BACKOFF, 0, False
        while True:
            try:
                if not group_ready:
                    await self.ensure_group()
                    group_ready = True
                items = []
                if rounds % claim_every == 0:
                    items = await self.claim_stale(consumer, claim_idle_ms, count)
                rounds += 1
                items = items or await self.read(consumer, count, 1000)
                if items:
                    await handle(items)
                backoff = MIN_BACKOFF
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                group_ready = group_ready and "NOGROUP" not in str(exc)
                log.warning("%s consumer %s: %s; retrying", self.key, consumer, exc)
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
