"""The live stream of a bucket as Server-Sent Events, fanned out through Redis pub/sub."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from meridian_kit.errors import BadRequest

from ingest.auth import BucketDep
from ingest.context import IngestDep

router = APIRouter(prefix="/api/buckets/{bucket_id}", tags=["live"])

TYPES = {"status", "log", "exception", "event"}


@router.get("/live")
async def live(
    bucket_id: str, request: Request, bucket: BucketDep, ingest: IngestDep, types: str = ""
) -> StreamingResponse:
    """SSE of the bucket's status, log, exception and event messages (`types` filters, comma-separated)."""
    wanted = {t.strip() for t in types.split(",") if t.strip()} or None
    if wanted and not wanted <= TYPES:
        raise BadRequest(f"types: unknown {sorted(wanted - TYPES)}; known: {sorted(TYPES)}")

    async def stream() -> AsyncIterator[bytes]:
        async for event in ingest.live.subscribe(bucket_id, wanted):
            if await request.is_disconnected():
                break
            if event is None:
                yield b": keep-alive\n\n"
            else:
                yield (
                    b"event: "
                    + event["type"].encode()
                    + b"\ndata: "
                    + orjson.dumps(event)
                    + b"\n\n"
                )

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
