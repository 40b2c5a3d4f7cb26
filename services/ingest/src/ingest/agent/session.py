"""One connected PM2 agent: its frames in, commands out, presence and status state."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from meridian_kit.errors import BadRequest
from starlette.websockets import WebSocket

from ingest.agent.channels import (
    REPLY_CHANNELS,
    FrameError,
    apply_status_patch,
    parse_frame,
    server_info,
)
from ingest.agent.commands import Watch

log = logging.getLogger("ingest.agent")

PRESENCE_TTL = 30
PRESENCE_EVERY = 10.0
LOGGING_EVERY = 100.0  # the agent stops streaming logs 120 s after startLogging


def short_text(value: Any, limit: int = 256) -> str | None:
    """A string an agent reported, bounded; None when it sent something else."""
    return value[:limit] if isinstance(value, str) else None


class SessionClosed(Exception):
    """The session must end: (code, reason) for the websocket close frame."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


# Accepting one frame: (session, channel, payload) -> queued for the intake at once (BadRequest when
# it cannot be stored), answered once stored. Set by the app (agent/websocket.py).
Accept = Callable[["AgentSession", str, Any], Awaitable[Any]]
# Frames of one agent being stored at once: the next frame is read meanwhile (uvicorn reads no more
# of a websocket, pings included, until the app takes the frame before), up to this many.
MAX_STORING = 16
Presence = Callable[["AgentSession"], Awaitable[None]]
Reply = Callable[[Watch, str, Any, bool], Awaitable[None]]


class AgentSession:
    """The state of one websocket: the last full status (for patches) and pending commands."""

    def __init__(
        self,
        *,
        ws: WebSocket,
        bucket: dict[str, Any],
        server: str,
        pm2_version: str,
        max_bytes: int,
        accept: Accept,
        presence: Presence,
        stream_logs: bool,
        reply: Reply,
    ):
        self.ws = ws
        self.bucket = bucket
        self.server = server
        self.pm2_version = pm2_version
        self.max_bytes = max_bytes
        self.accept = accept
        self.presence = presence
        self.stream_logs = stream_logs
        self.reply = reply
        self.last_status: dict[str, Any] | None = None
        self.watches: list[Watch] = []
        self.auto_logging_results = 0
        self.frames = 0
        self.rejected = 0
        self._send_lock = asyncio.Lock()
        self._storing: deque[asyncio.Future[Any]] = deque()

    @property
    def bucket_id(self) -> str:
        """The id of the bucket this agent pushes into."""
        return str(self.bucket["id"])

    async def send(self, channel: str, payload: Any) -> None:
        """Sends one frame to the agent."""
        frame = orjson.dumps({"channel": channel, "payload": payload}).decode()
        async with self._send_lock:
            await self.ws.send_text(frame)

    async def reject(self, reason: str) -> None:
        """Tells the agent a frame was refused, keeping the connection."""
        self.rejected += 1
        await self.send("ingest:error", {"error": reason})

    async def on_message(self, raw: str | bytes) -> None:
        """Handles one frame; SessionClosed when the connection must end."""
        size = len(raw) if isinstance(raw, bytes) or len(raw) * 4 <= self.max_bytes else None
        if size is None:
            size = len(raw.encode()) if isinstance(raw, str) else len(raw)
        if size > self.max_bytes:
            raise SessionClosed(1009, f"message too big: {size} bytes > {self.max_bytes}")
        try:
            channel, payload = parse_frame(raw)
        except FrameError as exc:
            await self.reject(str(exc))
            return
        self.frames += 1
        if channel == "status":
            if not isinstance(payload, dict):
                await self.reject("status: payload must be an object")
                return
            self.last_status = payload
        elif channel == "status:patch":
            status = apply_status_patch(self.last_status, payload)
            if status is None:
                self.last_status = None
                await self.send("status:resend", {})
                return
            self.last_status = status
            channel, payload = "status", status
        if channel in REPLY_CHANNELS:
            await self._answer_watches(channel, payload)
            if self._own_logging_result(channel, payload):
                return
        try:
            stored = self.accept(self, channel, payload)
        except BadRequest as exc:  # e.g. a status patched past the depth that can be stored
            await self._refused(channel, exc)
            return
        await self._store(asyncio.ensure_future(stored))

    async def _store(self, storing: asyncio.Future[Any]) -> None:
        """Keeps a frame's storing in flight without waiting for it (its order in the intake was
        set when it was queued); raises what an earlier one failed with (BacklogFull, Unavailable:
        the session ends), and waits for the oldest past MAX_STORING."""
        self._storing.append(storing)
        while self._storing and self._storing[0].done():
            self._storing.popleft().result()
        if len(self._storing) > MAX_STORING:
            await self._storing.popleft()

    async def _refused(self, channel: str, exc: BadRequest) -> None:
        await self.reject(exc.message)
        if channel == "status":
            self.last_status = None
            await self.send("status:resend", {})

    async def settle(self) -> None:
        """Waits for the frames still being stored when the connection ends (a failure is
        logged: the agent, gone, resends what it queued when it reconnects)."""
        storing, self._storing = list(self._storing), deque()
        for outcome in await asyncio.gather(*storing, return_exceptions=True):
            if isinstance(outcome, BaseException):
                log.warning("a frame of %s not stored: %r", self.server, outcome)

    def server_fields(self) -> dict[str, Any]:
        """What the servers collection records of this agent."""
        info = server_info(self.last_status or {})
        return {
            "hostname": short_text(info.get("hostname")),
            "pm2_version": short_text(info.get("pm2_version")) or self.pm2_version[:64] or None,
            "agent_version": short_text(info.get("pm2_agent_version")),
            "online": True,
        }

    def watch(self, watch: Watch) -> None:
        """Starts matching the agent's frames against a command's expected answers."""
        now = time.time()
        self.watches = [w for w in self.watches if w.deadline > now]
        self.watches.append(watch)

    async def _answer_watches(self, channel: str, payload: Any) -> None:
        for watch in list(self.watches):
            final = watch.matches(channel, payload)
            if final is None:
                continue
            if final:
                self.watches.remove(watch)
            await self.reply(watch, channel, payload, final)
            return

    def _own_logging_result(self, channel: str, payload: Any) -> bool:
        """Our periodic startLogging's results are not the user's business: not stored."""
        if channel != "trigger:pm2:result" or self.auto_logging_results <= 0:
            return False
        meta = payload.get("meta") if isinstance(payload, dict) else None
        if isinstance(meta, dict) and meta.get("method_name") == "startLogging":
            self.auto_logging_results -= 1
            return True
        return False

    async def start_logging(self) -> None:
        """Asks the agent to stream its logs (it stops by itself 120 s later)."""
        self.auto_logging_results += 1
        await self.send("trigger:pm2:action", {"method_name": "startLogging", "parameters": {}})

    async def housekeeping(self) -> None:
        """Keeps presence fresh and log streaming on, until cancelled (the first round of each
        was done when the session opened)."""
        last_logging = time.monotonic()
        while True:
            await asyncio.sleep(PRESENCE_EVERY)
            try:
                await self.presence(self)
            except Exception as exc:  # tried again in PRESENCE_EVERY; offline past PRESENCE_TTL
                log.warning("presence of %s not refreshed: %r", self.server, exc)
            if self.stream_logs and time.monotonic() - last_logging >= LOGGING_EVERY:
                last_logging = time.monotonic()
                try:
                    await self.start_logging()
                except Exception as exc:  # the socket is going: the receive loop ends the session
                    log.info("startLogging to %s not sent: %r", self.server, exc)
