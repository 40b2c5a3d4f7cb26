"""The live stream of a bucket: status and logs fanned out through Redis pub/sub.

Whichever instance receives a frame publishes it on the bucket's channel; whichever instance serves
a live client subscribes to it, so clients see every agent of the bucket wherever it is connected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
from redis.asyncio import Redis

from ingest.keys import RedisKeys

log = logging.getLogger("ingest.live")


class LiveHub:
    """Publishes live events and streams them to subscribers."""

    def __init__(self, redis: Redis, keys: RedisKeys):
        self.redis = redis
        self.keys = keys

    def channel(self, bucket: str) -> str:
        """The pub/sub channel of a bucket."""
        return self.keys.live(bucket)

    async def subscribe(
        self, bucket: str, types: set[str] | None = None, keepalive: float = 15.0
    ) -> AsyncIterator[dict[str, Any] | None]:
        """Yields None once subscribed, then the bucket's live events (None as keep-alive ticks)."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel(bucket))
        yield None
        try:
            loop = asyncio.get_running_loop()
            last = loop.time()
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    event = orjson.loads(message["data"])
                    if types is None or event.get("type") in types:
                        last = loop.time()
                        yield event
                elif loop.time() - last >= keepalive:
                    last = loop.time()
                    yield None
        finally:
            try:
                await pubsub.aclose()
            except Exception as exc:  # the client left or Redis went: the subscription is gone
                log.debug("closing the live subscription of %s: %r", bucket, exc)
