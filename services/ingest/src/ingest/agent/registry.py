"""The agents connected to this instance, and their presence for every other instance."""

from __future__ import annotations

import logging
import time
from typing import Any

from ingest.agent.commands import Watch
from ingest.agent.session import PRESENCE_TTL, AgentSession
from ingest.agent.store import AgentStore
from ingest.buckets.store import BucketStore, now

log = logging.getLogger("ingest.agent")

# Seconds between writes of an unchanged server's last_seen while connected: whether it is online
# is the presence key's (refreshed every PRESENCE_EVERY); last_seen is written on each change and at
# the close, so this bounds only how stale it is after an instance died. Each write costs FerretDB
# ~7 ms of CPU: once a minute, 1,000 agents kept it at ~12% of a core for this alone.
TOUCH_EVERY = 300.0


class SessionRegistry:
    """Maps (bucket, server) to the local session; publishes which instance holds it."""

    def __init__(self, agents: AgentStore, store: BucketStore, instance: str):
        self.agents = agents
        self.store = store
        self.instance = instance
        self.sessions: dict[tuple[str, str], AgentSession] = {}
        self._touched: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def holds(self, session: AgentSession) -> bool:
        """Whether this session is the server's current connection here."""
        return self.sessions.get((session.bucket_id, session.server)) is session

    def register(self, session: AgentSession) -> None:
        """Makes a new connection the server's (replacing an older one of the same server)."""
        self.sessions[(session.bucket_id, session.server)] = session

    async def opened(self, session: AgentSession) -> None:
        """Records a registered connection: the server as connected now, and its presence."""
        if not self.holds(session):
            return
        fields = session.server_fields()
        await self.store.touch_server(
            session.bucket_id, session.server, {**fields, "connected_at": now(), "online": True}
        )
        self._touched[(session.bucket_id, session.server)] = (time.monotonic(), fields)
        await self.presence(session)

    async def presence(self, session: AgentSession) -> None:
        """Says, for PRESENCE_TTL seconds, that this instance holds the server's websocket; the
        servers collection is written when what it records changed, else every TOUCH_EVERY."""
        if not self.holds(session):
            return
        where = (session.bucket_id, session.server)
        await self.agents.announce(*where, self.instance, PRESENCE_TTL)
        fields = session.server_fields()
        last = self._touched.get(where)
        if last and last[1] == fields and time.monotonic() - last[0] < TOUCH_EVERY:
            return
        await self.store.touch_server(session.bucket_id, session.server, fields)
        self._touched[where] = (time.monotonic(), fields)

    async def closed(self, session: AgentSession) -> None:
        """Unregisters a connection; the server is offline unless it reconnected meanwhile."""
        if not self.holds(session):
            return
        del self.sessions[(session.bucket_id, session.server)]
        self._touched.pop((session.bucket_id, session.server), None)
        try:
            await self.agents.release(session.bucket_id, session.server, self.instance)
            fields = {**session.server_fields(), "online": False}
            await self.store.touch_server(session.bucket_id, session.server, fields)
        except Exception as exc:
            # the presence key expires by itself within PRESENCE_TTL: the server shows offline then
            log.warning(
                "recording %s/%s as disconnected failed: %r", session.bucket_id, session.server, exc
            )

    async def disconnect(self, bucket: str, server: str) -> bool:
        """Closes a local agent's websocket (1012): the agent reconnects by itself."""
        session = self.sessions.get((bucket, server))
        if session is None:
            return False
        try:
            await session.ws.close(code=1012, reason="disconnected on request, reconnect")
        except Exception as exc:  # it was closing already: disconnected all the same
            log.info("disconnecting %s: %r", server, exc)
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
