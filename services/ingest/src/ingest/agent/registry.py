"""The agents connected to this instance, and their presence for every other instance."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from redis.asyncio import Redis

from ingest.agent.commands import Watch
from ingest.agent.session import PRESENCE_TTL, AgentSession
from ingest.buckets.store import BucketStore, now
from ingest.keys import RedisKeys

log = logging.getLogger("ingest.agent")


class SessionRegistry:
    """Maps (bucket, server) to the local session; publishes which instance holds it."""

    def __init__(self, redis: Redis, keys: RedisKeys, store: BucketStore, instance: str):
        self.redis = redis
        self.keys = keys
        self.store = store
        self.instance = instance
        self.sessions: dict[tuple[str, str], AgentSession] = {}

    def holds(self, session: AgentSession) -> bool:
        """Whether this session is the server's current connection here."""
        return self.sessions.get((session.bucket_id, session.server)) is session

    async def opened(self, session: AgentSession) -> None:
        """Registers a new connection (replacing an older one of the same server)."""
        self.sessions[(session.bucket_id, session.server)] = session
        await self.store.touch_server(
            session.bucket_id, session.server, {"connected_at": now(), "online": True}
        )
        await self.presence(session)

    async def presence(self, session: AgentSession) -> None:
        """Says, for PRESENCE_TTL seconds, that this instance holds the server's websocket."""
        if not self.holds(session):
            return
        key = self.keys.agent(session.bucket_id, session.server)
        await self.redis.set(key, self.instance, ex=PRESENCE_TTL)
        await self.store.touch_server(session.bucket_id, session.server, session.server_fields())

    async def closed(self, session: AgentSession) -> None:
        """Unregisters a connection; the server is offline unless it reconnected meanwhile."""
        if not self.holds(session):
            return
        del self.sessions[(session.bucket_id, session.server)]
        with contextlib.suppress(Exception):
            key = self.keys.agent(session.bucket_id, session.server)
            if (await self.redis.get(key)) in (self.instance, self.instance.encode()):
                await self.redis.delete(key)
            fields = {**session.server_fields(), "online": False}
            await self.store.touch_server(session.bucket_id, session.server, fields)

    async def disconnect(self, bucket: str, server: str) -> bool:
        """Closes a local agent's websocket (1012): the agent reconnects by itself."""
        session = self.sessions.get((bucket, server))
        if session is None:
            return False
        with contextlib.suppress(Exception):
            await session.ws.close(code=1012, reason="disconnected on request, reconnect")
        return True

    async def deliver(
        self, bucket: str, server: str, channel: str, payload: dict[str, Any], watch: Watch
    ) -> bool:
        """Sends a command down a local agent's websocket; False when it is not here."""
        session = self.sessions.get((bucket, server))
        if session is None:
            return False
        session.watch(watch)
        try:
            await session.send(channel, payload)
        except Exception as exc:
            log.warning("sending %s to %s failed: %s", channel, server, exc)
            return False
        return True
