"""The durable intake: a Redis Stream every accepted frame goes into before it is acknowledged.

An entry holds one batch of frames from one server of one bucket, with the time it was received.
Entries stay in the stream until a bulk writer has indexed them (then XACK + XDEL), so the stream's
length is the backlog; past INGEST_BACKLOG_MAX entries, adds are refused rather than risk loss.

Adds are group-committed: those made while a round trip is under way go together in the next one
(one pipeline of the atomic script, each call still atomic on its own and answered on its own), so
1,000 agents' frames a second cost a few dozen writes to Redis, not 1,000; a caller is answered
only once Redis has its entry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import orjson
from meridian_kit.errors import BadRequest, Unavailable
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from ingest.stream_queue import StreamQueue, field

# XADD only while the stream is shorter than the bound: one atomic round trip. A batch the
# observer must see (ARGV[3] = "1") goes into its stream too, bounded (oldest trimmed) by the same
# number; a batch with a status also sets the server's latest status (KEYS[3] = ARGV[4], EX ARGV[5]);
# ARGV[4] = "=" keeps the batch itself as the latest (a batch of that one status: an agent's frame,
# whose status is then neither encoded nor sent twice; read back by latest_status()).
ADD_BOUNDED = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
local id = redis.call('XADD', KEYS[1], '*', 'd', ARGV[2])
if ARGV[3] == '1' then
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'd', ARGV[2])
end
if ARGV[4] == '=' then
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[5])
elseif ARGV[4] ~= '' then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5])
end
return id
"""
SAME_AS_BATCH = b"="
# Adds sent in one round trip at most: a round of 1,000 agents' frames each with up to 16 queued
# (agent/session.py) was tens of MB and outlasted the client's 10 s socket timeout on a loaded
# machine, failing every add in it; 1,000 is the most a round held when each agent waited for its
# frame (never timed out), and one frame of each of 1,000 agents still goes in one round. Later
# rounds follow in order.
MAX_ROUND = 1000

Frame = tuple[str, Any]


class BacklogFull(Unavailable):
    """The intake backlog is at its bound: the client must retry later."""


@dataclass(frozen=True)
class Entry:
    """One stream entry: a batch of frames from a server of a bucket."""

    id: str
    bucket: str
    bucket_name: str
    server: str
    received_ms: int
    frames: list[Frame]
    alert_emails: tuple[str, ...] = ()


def encode(bucket: dict[str, Any], server: str, frames: list[Frame], ms: int) -> bytes:
    """The stream payload of a batch (with the bucket's alert recipients, for the observer)."""
    emails = bucket.get("alert_emails") or []
    body = {"b": bucket["id"], "n": bucket["name"], "s": server, "t": ms, "f": frames}
    return orjson.dumps({**body, "e": emails} if emails else body)


def decode(entry_id: bytes | str, fields: dict[Any, Any]) -> Entry:
    """A stream entry back into an Entry."""
    raw = field(fields, "d")
    if raw is None:
        raise ValueError(f"stream entry {entry_id!r} has no payload")
    body = orjson.loads(raw)
    return Entry(
        id=entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
        bucket=body["b"],
        bucket_name=body.get("n", ""),
        server=body["s"],
        received_ms=body["t"],
        frames=[(f[0], f[1]) for f in body["f"]],
        alert_emails=tuple(body.get("e") or ()),
    )


def latest_status(raw: bytes | str) -> dict[str, Any]:
    """A server's latest status as kept by add(): `{"received_at", "status"}`, or the batch of
    that one status (its `t` and its frame's payload)."""
    kept = orjson.loads(raw)
    if "status" in kept:
        return {"received_at": kept["received_at"], "status": kept["status"]}
    return {"received_at": kept["t"], "status": kept["f"][-1][1]}


class IntakeStream:
    """Adds batches under the backlog bound; reads, claims and acknowledges them for writers."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        group: str,
        max_entries: int,
        dead_key: str,
        observe_key: str = "",
    ):
        self.queue = StreamQueue(redis, key, group)
        self.observe_key = observe_key or f"{key}:observe"
        self.max_entries = max_entries
        self.dead_key = dead_key
        self._add = redis.register_script(ADD_BOUNDED)
        self._pending: list[tuple[list[Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None
        self.round_trips = 0

    def _enqueue(self, keys: list[str], args: list[Any]) -> asyncio.Future[Any]:
        """The script's answer for one add, to be sent with whatever other adds are waiting."""
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(([*keys, *args], done))
        committer = self._committer
        if committer is None or committer.done() or committer.get_loop() is not done.get_loop():
            self._committer = asyncio.create_task(self._commit())
        return done

    async def _commit(self) -> None:
        """Sends the waiting adds, one pipeline of at most MAX_ROUND a round trip, in order, until
        none wait."""
        while self._pending:
            batch, self._pending = self._pending[:MAX_ROUND], self._pending[MAX_ROUND:]
            try:
                answers = await self._send([argv for argv, _ in batch])
            except Exception as exc:  # the connection: every add of the round failed
                answers = [exc] * len(batch)
            except BaseException:  # cancelled (shutdown): nobody is left waiting forever
                for _, done in batch + self._pending:
                    if not done.done():
                        done.cancel()
                self._pending = []
                raise
            for (_, done), answer in zip(batch, answers, strict=True):
                if done.done():  # its caller went away; the entry may be in, as with any call
                    continue
                if isinstance(answer, Exception):
                    done.set_exception(answer)
                else:
                    done.set_result(answer)

    async def _send(self, argvs: list[list[Any]]) -> list[Any]:
        self.round_trips += 1
        if len(argvs) == 1:  # alone: the script object loads itself should Redis have lost it
            keys, args = argvs[0][:3], argvs[0][3:]
            return [await self._add(keys=keys, args=args)]
        async with self.queue.redis.pipeline(transaction=False) as pipe:
            for argv in argvs:
                pipe.evalsha(self._add.sha, 3, *argv)
            answers = await pipe.execute(raise_on_error=False)
        if any(isinstance(a, NoScriptError) for a in answers):  # Redis restarted: scripts gone
            await self.queue.redis.script_load(ADD_BOUNDED)
            retry = [
                argv for argv, a in zip(argvs, answers, strict=True) if isinstance(a, NoScriptError)
            ]
            again = iter(await self._send(retry))
            answers = [next(again) if isinstance(a, NoScriptError) else a for a in answers]
        return list(answers)

    async def add(
        self,
        *,
        bucket: dict[str, Any],
        server: str,
        frames: list[Frame],
        observe: bool = False,
        latest: tuple[str, int] | None = None,
    ) -> str:
        """Appends a batch durably (and to the observer's stream when `observe`); with `latest` =
        (key, ttl), its last status is kept there as `{"received_at", "status"}` in the same step.
        BacklogFull (503) when the backlog is at its bound."""
        return await self.submit(
            bucket=bucket, server=server, frames=frames, observe=observe, latest=latest
        )

    def submit(
        self,
        *,
        bucket: dict[str, Any],
        server: str,
        frames: list[Frame],
        observe: bool = False,
        latest: tuple[str, int] | None = None,
    ) -> Awaitable[str]:
        """add() in two steps: the batch is encoded and queued for the next group commit now (in
        the caller's order; a frame changed afterwards is stored as it was), and the awaitable
        returned answers its entry id once Redis has it. BadRequest at once when it cannot be
        encoded."""
        ms = int(time.time() * 1000)
        status = next((p for c, p in reversed(frames) if c == "status"), None) if latest else None
        try:
            payload = encode(bucket, server, frames, ms)
            if status is None:
                kept = b""
            elif len(frames) == 1:  # the batch is that status: kept as it is
                kept = SAME_AS_BATCH
            else:
                kept = orjson.dumps({"received_at": ms, "status": status})
        except TypeError as exc:  # nested past orjson's limit (a status grown by patches)
            raise BadRequest(f"frames cannot be stored: {exc}") from None
        key, ttl = latest if latest and kept else (self.queue.key, 0)
        try:
            done = self._enqueue(
                [self.queue.key, self.observe_key, key],
                [self.max_entries, payload, "1" if observe else "0", kept, ttl],
            )
        except Exception as exc:
            raise Unavailable(f"intake unavailable: {type(exc).__name__}", retry_after=5) from exc
        return self._entry_id(done)

    async def _entry_id(self, done: asyncio.Future[Any]) -> str:
        try:
            entry_id = await done
        except Exception as exc:
            raise Unavailable(f"intake unavailable: {type(exc).__name__}", retry_after=5) from exc
        if entry_id is None:
            raise BacklogFull(
                "intake backlog full, retry later",
                detail={"backlog_max": self.max_entries},
                retry_after=5,
            )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def backlog(self) -> int:
        """Entries accepted and not yet indexed."""
        return await self.queue.length()

    async def dead_letter(self, doc_id: str, index: str, doc: Any, error: Any) -> None:
        """Keeps a document Elasticsearch refused for good, with the reason."""
        await self.queue.redis.xadd(
            self.dead_key,
            {"d": orjson.dumps({"id": doc_id, "index": index, "doc": doc, "error": error})},
        )
