"""Plain HTTP push for clients other than PM2: 202 once the batch is in the intake stream."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from meridian_kit.errors import BadRequest, PayloadTooLarge, error_responses
from meridian_kit.json_body import json_body
from pydantic import BaseModel

from ingest.agent.channels import MAX_CHANNEL, MAX_DEPTH, FrameError, check_push_frame
from ingest.deps import IntakeDep, KeysBucket, SettingsDep

router = APIRouter(tags=["push"])


class PushAccepted(BaseModel):
    """The batch is durably in the intake stream."""

    accepted: int
    entry: str


# The body is read by the route (the kit's JSON rule, parsed once), not by FastAPI: the hot path.
PUSH_BODY = {
    "requestBody": {
        "required": True,
        "description": f"a non-empty JSON array of frames, at most {MAX_DEPTH} levels deep",
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["channel"],
                        "properties": {
                            "channel": {"type": "string", "minLength": 1, "maxLength": MAX_CHANNEL},
                            "payload": {},
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/api/push",
    status_code=202,
    response_model=PushAccepted,
    responses=error_responses(400, 401, 403, 413, 503),
    openapi_extra=PUSH_BODY,
)
async def push(
    request: Request, bucket: KeysBucket, settings: SettingsDep, intake: IntakeDep
) -> JSONResponse:
    """Takes a JSON array of {channel, payload} (X-KM-PUBLIC, X-KM-SECRET, optional X-KM-SERVER)."""
    raw = await request.body()
    if len(raw) > settings.max_message_bytes:
        raise PayloadTooLarge(f"body of {len(raw)} bytes exceeds {settings.max_message_bytes}")
    # parsed and checked once, by the kit's JSON rule, whatever the Content-Type
    batch: Any = await json_body(request)
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
        named = status.get("server_name") if isinstance(status, dict) else None
        server = named if isinstance(named, str) and named.strip() else "http"
    entry = await intake.accept(bucket, server[:256], frames)
    return JSONResponse({"accepted": len(frames), "entry": entry}, status_code=202)
