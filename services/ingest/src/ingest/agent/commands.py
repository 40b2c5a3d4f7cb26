"""Commands to connected agents, routed through Redis pub/sub across ingest instances.

The instance holding a server's websocket is named by a presence key; a command is published on
that instance's channel, sent down the websocket, and the agent's answers (matched by process and
action, or by PM2 method and app) are published back on the requesting instance's reply channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from meridian_kit.errors import Conflict, ServiceError, Unavailable
from redis.asyncio import Redis

from ingest.agent.channels import as_dict
from ingest.agent.store import AgentStore
from ingest.keys import RedisKeys

log = logging.getLogger("ingest.commands")


class CommandTimeout(ServiceError):
    """The agent did not answer in time."""

    status_code = 504


@dataclass
class Watch:
    """What an answer to one command looks like, and where to send it."""

    id: str
    reply_to: str
    channel: str
    payload: dict[str, Any]
    deadline: float

    def matches(self, channel: str, payload: Any) -> bool | None:
        """None when the frame is not an answer to this command; else whether it is the last."""
        if not isinstance(payload, dict):
            return None
        if self.channel == "trigger:pm2:action":
            meta = as_dict(payload.get("meta"))
            if channel != "trigger:pm2:result" or meta.get("method_name") != self.payload.get(
                "method_name"
            ):
                return None
            wanted = (self.payload.get("parameters") or {}).get("name")
            return True if wanted is None or meta.get("app_name") == wanted else None
        pm_id, action = str(self.payload.get("process_id")), self.payload.get("action_name")
        data = as_dict(payload.get("data"))
        if channel in ("trigger:action:success", "trigger:action:failure"):
            if str(payload.get("id")) == pm_id and payload.get("action_name") == action:
                return channel == "trigger:action:failure"
            return None
        if channel == "axm:reply":
            proc = as_dict(payload.get("process"))
            if str(proc.get("pm_id")) == pm_id and data.get("action_name") == action:
                return True
            return None
        uuid_ = self.payload.get("uuid")
        if channel.startswith("axm:scoped_action:") and uuid_ and data.get("uuid") == uuid_:
            return channel != "axm:scoped_action:stream"
        return None


@dataclass
class PendingRequest:
    """A command this instance sent, collecting the agent's answers."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)


Deliver = Callable[[str, str, str, dict[str, Any], Watch], Awaitable[bool]]
Disconnect = Callable[[str, str], Awaitable[bool]]
DISCONNECT = "ingest:disconnect"  # not sent to the agent: the instance closes its websocket


class CommandRouter:
    """Sends commands to agents wherever they are connected and waits for their answers."""

    def __init__(
        self, redis: Redis, keys: RedisKeys, agents: AgentStore, instance: str, timeout: float
    ):
        self.redis = redis  # pub/sub: the instances' command and reply channels
        self.keys = keys
        self.agents = agents  # who holds which websocket
        self.instance = instance
        self.timeout = timeout
        self.pending: dict[str, PendingRequest] = {}
        self.deliver: Deliver | None = None  # set by the session registry
        self.disconnect: Disconnect | None = None  # likewise

    async def request(
        self, *, bucket: str, server: str, channel: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """Sends a command and returns the agent's answers; 409 when not connected, 504 on timeout."""
        try:
            owner = await self.agents.holder(bucket, server)
        except Exception as exc:
            raise Unavailable(f"redis unavailable: {type(exc).__name__}", retry_after=5) from exc
        if owner is None:
            raise Conflict(f"server {server!r} is not connected")
        request_id = uuid.uuid4().hex
        pending = self.pending[request_id] = PendingRequest()
        message = {
            "id": request_id,
            "reply_to": self.instance,
            "bucket": bucket,
            "server": server,
            "channel": channel,
            "payload": payload,
            "deadline": time.time() + self.timeout,
        }
        try:
            receivers = await self.redis.publish(self.keys.commands(owner), orjson.dumps(message))
            if receivers == 0:
                raise Conflict(f"server {server!r} is not connected (its instance is gone)")
            with contextlib.suppress(TimeoutError):  # no complete answer in time: 504 below
                async with asyncio.timeout(self.timeout):  # wait_for drops a cancellation (3.11)
                    await pending.done.wait()
        finally:
            self.pending.pop(request_id, None)
        result: dict[str, Any] = {
            "server": server,
            "command": {"channel": channel, "payload": payload},
            "replies": pending.replies,
        }
        if not pending.done.is_set():
            raise CommandTimeout(
                f"no complete answer from {server!r} within {self.timeout:g}s", detail=result
            )
        return result

    async def on_command(self, raw: bytes) -> None:
        """A command published for an agent connected to this instance."""
        message = orjson.loads(raw)
        watch = Watch(
            id=message["id"],
            reply_to=message["reply_to"],
            channel=message["channel"],
            payload=message["payload"],
            deadline=message["deadline"],
        )
        if watch.channel == DISCONNECT:
            closed = self.disconnect is not None and await self.disconnect(
                message["bucket"], message["server"]
            )
            await self.reply(watch, DISCONNECT, {"disconnected": closed}, True)
            return
        delivered = self.deliver is not None and await self.deliver(
            message["bucket"], message["server"], message["channel"], message["payload"], watch
        )
        if not delivered:
            await self.reply(watch, "ingest:error", {"error": "server is not connected"}, True)

    async def reply(self, watch: Watch, channel: str, payload: Any, final: bool) -> None:
        """Publishes an agent's answer to the instance that asked."""
        body = {"id": watch.id, "channel": channel, "payload": payload, "final": final}
        await self.redis.publish(self.keys.replies(watch.reply_to), orjson.dumps(body))

    def on_reply(self, raw: bytes) -> None:
        """An answer to a command this instance sent."""
        body = orjson.loads(raw)
        pending = self.pending.get(body["id"])
        if pending is None:
            return
        pending.replies.append({"channel": body["channel"], "payload": body["payload"]})
        if body["final"]:
            pending.done.set()

    async def listen(self) -> None:
        """Receives this instance's commands and replies until cancelled; resubscribes on faults."""
        channels: dict[str, Callable[[bytes], Any]] = {
            self.keys.commands(self.instance): self.on_command,
            self.keys.replies(self.instance): self.on_reply,
        }
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*channels)
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "message":
                        continue
                    name = message["channel"]
                    name = name.decode() if isinstance(name, bytes) else name
                    handler = channels.get(name)
                    try:
                        outcome = handler(message["data"]) if handler else None
                        if asyncio.iscoroutine(outcome):
                            await outcome
                    except Exception:
                        log.exception("bad command message on %s", name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("command channel lost (%s); resubscribing", exc)
                await asyncio.sleep(1)
            finally:
                try:
                    await pubsub.aclose()
                except Exception as exc:  # its connection is what failed: a new one comes next
                    log.debug("closing the command channel: %r", exc)
