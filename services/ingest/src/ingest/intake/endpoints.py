"""Plain HTTP push for clients other than PM2: 202 once the batch is in the intake stream."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from meridian_kit.errors import BadRequest, PayloadTooLarge

from ingest.agent.channels import FrameError, check_push_frame
from ingest.auth import KeysBucket
from ingest.context import IngestDep

router = APIRouter(tags=["push"])


@router.post("/api/push", status_code=202)
async def push(request: Request, bucket: KeysBucket, ingest: IngestDep) -> JSONResponse:
    """Takes a JSON array of {channel, payload} (X-KM-PUBLIC, X-KM-SECRET, optional X-KM-SERVER)."""
    settings = ingest.settings
    raw = await request.body()
    if len(raw) > settings.max_message_bytes:
        raise PayloadTooLarge(f"body of {len(raw)} bytes exceeds {settings.max_message_bytes}")
    try:
        batch: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(batch, list) or not batch:
        raise BadRequest("body must be a non-empty JSON array of {channel, payload}")
    if len(batch) > settings.max_push_frames:
        raise PayloadTooLarge(f"{len(batch)} frames exceed {settings.max_push_frames} per push")
    try:
        frames = [check_push_frame(i, frame) for i, frame in enumerate(batch)]
    except FrameError as exc:
        raise BadRequest(f"invalid frame {exc}") from None
    server = (request.headers.get("x-km-server") or "").strip()
    if not server:
        status = next((p for c, p in frames if c == "status"), None)
        server = str(status.get("server_name") or "http") if isinstance(status, dict) else "http"
    entry = await ingest.intake.accept(bucket, server[:256], frames)
    return JSONResponse({"accepted": len(frames), "entry": entry}, status_code=202)
