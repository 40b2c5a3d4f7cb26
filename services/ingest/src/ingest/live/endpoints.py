"""The live stream of a bucket as Server-Sent Events, fanned out through Redis pub/sub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from meridian_kit.errors import BadRequest, error_responses
from meridian_kit.openapi import event_stream_response

from ingest.deps import BucketDep, LiveDep

router = APIRouter(prefix="/api/buckets/{bucket_id}", tags=["live"])

TYPES = {"status", "log", "exception", "event"}
KNOWN = ", ".join(sorted(TYPES))


EVENT_STREAM = event_stream_response(
    "Server-Sent Events: `event: <type>` and `data: <JSON>`, keep-alive comments"
)


@router.get(
    "/live",
    response_class=StreamingResponse,
    responses={**EVENT_STREAM, **error_responses(400, 401, 403, 404, 503)},
)
async def live(
    bucket_id: str,
    request: Request,
    bucket: BucketDep,
    hub: LiveDep,
    types: Annotated[str, Query(max_length=64, description="comma-separated: " + KNOWN)] = "",
) -> StreamingResponse:
    """SSE of the bucket's status, log, exception and event messages (`types` filters, comma-separated)."""
    wanted = {t.strip() for t in types.split(",") if t.strip()} or None
    if wanted and not wanted <= TYPES:
        message = f"unknown {sorted(wanted - TYPES)}; known: {KNOWN}"
        raise BadRequest(f"types: {message}", detail=[{"field": "types", "message": message}])

    async def stream() -> AsyncIterator[bytes]:
        async for event in hub.subscribe(bucket_id, wanted):
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
