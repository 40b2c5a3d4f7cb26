"""Accepting frames from agents and HTTP clients: durable first, then the live side effects.

A batch is acknowledged once it is in the intake stream. In the same atomic step its last status
becomes the server's latest, and a batch with a status or an exception goes into the observer's
stream, where alert rules and the metrics forwarder see it off the request path
(intake/observer.py). Then, best effort, status and logs go out on the live channel while someone
listens. A failure there is logged, never lost data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Any

import orjson
from redis.asyncio import Redis

from ingest.agent.channels import as_dict, process_summary, processes_of
from ingest.intake.stream import Frame, IntakeStream
from ingest.keys import RedisKeys

log = logging.getLogger("ingest.intake")

STATUS_TTL = 7 * 86_400
LIVE_EVENTS = {"logs": "log", "process:exception": "exception", "process:event": "event"}
OBSERVED = frozenset({"status", "process:exception"})  # what alert rules and the forwarder read


def live_event(server: str, channel: str, payload: Any, ms: int) -> dict[str, Any] | None:
    """What the live stream shows of a frame, if anything."""
    if channel == "status" and isinstance(payload, dict):
        procs = [process_summary(p) for p in processes_of(payload)]
        return {"type": "status", "server": server, "at": ms, "processes": procs}
    kind = LIVE_EVENTS.get(channel)
    if kind is None or not isinstance(payload, dict):
        return None
    event = {"type": kind, "server": server, "at": payload.get("at") or ms}
    event["process"] = payload.get("process")
    if kind == "log":
        event.update(stream=payload.get("log_type") or "out", message=payload.get("data"))
    elif kind == "exception":
        data = as_dict(payload.get("data"))
        event.update(message=data.get("message"), name=data.get("name"))
    else:
        event.update(event=payload.get("event"))
    return event


class FrameIntake:
    """The one way frames enter ingest."""

    def __init__(self, *, stream: IntakeStream, redis: Redis, keys: RedisKeys):
        self.stream = stream
        self.redis = redis
        self.keys = keys
        self.accepted_frames = 0
        self._listeners: dict[str, tuple[float, int]] = {}
        self._asking: dict[str, asyncio.Future[int]] = {}

    async def listeners(self, bucket_id: str) -> int:
        """How many live clients follow a bucket (looked up at most once a second, by one call
        that every frame arriving meanwhile waits for: 1,000 agents' frames in the second the
        count expired would otherwise each send their own PUBSUB NUMSUB)."""
        cached = self._listeners.get(bucket_id)
        now = time.monotonic()
        if cached and now - cached[0] < 1.0:
            return cached[1]
        asking = self._asking.get(bucket_id)
        if asking is None:
            asking = self._asking[bucket_id] = asyncio.ensure_future(self._count(bucket_id))
            asking.add_done_callback(lambda _: self._asking.pop(bucket_id, None))
        return await asyncio.shield(asking)

    async def _count(self, bucket_id: str) -> int:
        channel = self.keys.live(bucket_id)
        count = int(dict(await self.redis.pubsub_numsub(channel)).get(channel.encode(), 0))
        if len(self._listeners) > 10_000:
            self._listeners.clear()
        self._listeners[bucket_id] = (time.monotonic(), count)
        return count

    async def accept(self, bucket: dict[str, Any], server: str, frames: list[Frame]) -> str:
        """Stores a batch durably (Unavailable/BacklogFull otherwise), then the side effects."""
        return await self.submit(bucket, server, frames)

    def submit(self, bucket: dict[str, Any], server: str, frames: list[Frame]) -> Awaitable[str]:
        """accept() in two steps: the batch is encoded and queued for the intake now, in the
        caller's order (BadRequest at once when it cannot be); the awaitable answers once it is
        stored, after which the side effects run."""
        observe = any(channel in OBSERVED for channel, _ in frames)
        has_status = any(c == "status" and isinstance(p, dict) for c, p in frames)
        latest = (self.keys.status(bucket["id"], server), STATUS_TTL) if has_status else None
        stored = self.stream.submit(
            bucket=bucket, server=server, frames=frames, observe=observe, latest=latest
        )
        return self._after(stored, bucket, server, frames)

    async def _after(
        self, stored: Awaitable[str], bucket: dict[str, Any], server: str, frames: list[Frame]
    ) -> str:
        entry_id = await stored
        self.accepted_frames += len(frames)
        try:
            await self._side_effects(bucket, server, frames)
        except Exception:
            log.exception("side effects of an accepted batch failed")
        return entry_id

    async def _side_effects(self, bucket: dict[str, Any], server: str, frames: list[Frame]) -> None:
        if await self.listeners(bucket["id"]) == 0:
            return
        ms = int(time.time() * 1000)
        events = [live_event(server, channel, payload, ms) for channel, payload in frames]
        messages = [orjson.dumps(event) for event in events if event is not None]
        if not messages:
            return
        live = self.keys.live(bucket["id"])
        async with self.redis.pipeline(transaction=False) as pipe:
            for message in messages:
                pipe.publish(live, message)
            await pipe.execute()
