"""An import's progress as Server-Sent Events; no FastAPI here.

The workers write progress to MySQL only (no pub/sub), so each stream re-reads the import every
POLL_SECONDS (longer for an import of hundreds of files) on a pooled connection taken per read (never held by an idle stream) and sends a
`progress` event when it changed. Every event's id is a digest of what it says: a client
reconnecting with `Last-Event-ID` gets nothing until the import changes, any other client gets the
current snapshot at once. Bounded: a comment every HEARTBEAT_SECONDS keeps proxies from timing the
stream out, a stream ends after MAX_CONNECTION_SECONDS (the client reconnects), at most
MAX_STREAMS are open per process (503 beyond), and one ends with a `done` event once no file is
queued or running. A read that fails (MySQL or Redis away) ends it with an `error` event.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import orjson
from meridian_kit.errors import ServiceError, Unavailable

from kmdb.imports.schemas import ImportOut

POLL_SECONDS = 1.0  # for an import of up to FILES_PER_POLL_SECOND files; slower for a bigger one
FILES_PER_POLL_SECOND = 100  # each read asks Redis for each file's job status
MAX_POLL_SECONDS = 10.0
HEARTBEAT_SECONDS = 15.0
MAX_CONNECTION_SECONDS = 300.0
RETRY_MS = 2000  # the reconnection delay the client is told
MAX_STREAMS = 64

log = logging.getLogger("kmdb.imports.stream")
_open = 0


def snapshot_id(progress: ImportOut) -> str:
    """The event id of a snapshot: a digest of its JSON, equal for equal progress."""
    return hashlib.blake2b(progress.model_dump_json().encode(), digest_size=12).hexdigest()


def finished(progress: ImportOut) -> bool:
    """Whether no file of the import is queued or running any more."""
    return not any(f.status in ("queued", "running") for f in progress.files)


def poll_interval(progress: ImportOut) -> float:
    """Seconds between two reads: POLL_SECONDS, longer for an import of many files (its read
    costs a Redis call per file), at most MAX_POLL_SECONDS."""
    scale = max(1.0, len(progress.files) / FILES_PER_POLL_SECOND)
    return min(MAX_POLL_SECONDS, max(POLL_SECONDS, POLL_SECONDS * scale))


def frame(event: str, data: object, ident: str | None = None) -> bytes:
    """One SSE message."""
    head = f"event: {event}\n" + (f"id: {ident}\n" if ident else "")
    return head.encode() + b"data: " + orjson.dumps(data) + b"\n\n"


def refuse_when_full() -> None:
    """503 when this process already serves MAX_STREAMS progress streams."""
    if _open >= MAX_STREAMS:
        raise Unavailable(
            f"{MAX_STREAMS} progress streams are open on this instance: GET /imports/{{id}}"
            " reads the same progress",
            retry_after=5,
        )


async def progress_events(
    first: ImportOut, read: Callable[[], Awaitable[ImportOut]], last_event_id: str | None
) -> AsyncIterator[bytes]:
    """The stream of one import from its snapshot `first`, re-read with `read`."""
    global _open
    _open += 1
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        started = last_sent = time.monotonic()
        sent, current = last_event_id, first
        while True:
            ident = snapshot_id(current)
            if ident != sent:
                yield frame("progress", current.model_dump(mode="json"), ident)
                sent, last_sent = ident, time.monotonic()
            if finished(current):
                yield frame("done", {"import_id": current.import_id}, ident)
                return
            now = time.monotonic()
            if now - started >= MAX_CONNECTION_SECONDS:
                return  # the client reconnects with Last-Event-ID
            if now - last_sent >= HEARTBEAT_SECONDS:
                yield b": keep-alive\n\n"
                last_sent = now
            await asyncio.sleep(poll_interval(current))
            try:
                current = await read()
            except ServiceError as exc:
                yield frame("error", {"error": exc.message})
                return
            except Exception as exc:  # an engine error mid-stream: said, then the stream ends
                log.warning("progress stream of %s stopped: %r", first.import_id, exc)
                yield frame("error", {"error": f"cannot read the import's progress: {exc}"})
                return
    finally:
        _open -= 1
