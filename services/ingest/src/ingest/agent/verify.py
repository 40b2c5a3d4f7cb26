"""The handshake: POST /api/node/verifyPM2 tells a linked agent where its websocket is.

The agent ignores the HTTP status and reads the JSON: `active: false, error: true` makes it stop
(bad keys), while an answer without `active` or `endpoints` makes it retry (our outages).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from meridian_kit.errors import ServiceError

from ingest.agent.channels import as_dict
from ingest.context import IngestDep

log = logging.getLogger("ingest.agent")

router = APIRouter(tags=["agent"])


def endpoints(public_url: str) -> dict[str, str]:
    """The websocket and web URLs an agent is sent to."""
    scheme, sep, rest = public_url.partition("://")
    ws_scheme = {"https": "wss", "http": "ws"}.get(scheme, "wss")
    return {"ws": f"{ws_scheme}{sep}{rest}/interaction", "web": public_url}


def refused(message: str, status: int) -> JSONResponse:
    """An answer that makes the agent stop and print the message."""
    return JSONResponse({"active": False, "error": True, "msg": message}, status_code=status)


@router.post("/api/node/verifyPM2")
async def verify_pm2(request: Request, ingest: IngestDep) -> JSONResponse:
    """Checks an agent's keys, records its server and returns the websocket endpoint."""
    try:
        body: Any = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return refused("request body is not JSON", 400)
    if not isinstance(body, dict):
        return refused("request body must be a JSON object", 400)
    data = as_dict(body.get("data"))
    machine = data.get("MACHINE_NAME")
    if not isinstance(machine, str) or not machine.strip() or len(machine) > 256:
        return refused("data.MACHINE_NAME must be a non-empty string", 400)
    try:
        bucket = await ingest.buckets.authenticate(body.get("public_id"), body.get("private_id"))
        new = await ingest.buckets.store.touch_server(
            bucket["id"],
            machine,
            {
                "hostname": data.get("HOSTNAME") if isinstance(data.get("HOSTNAME"), str) else None,
                "pm2_version": str(data.get("PM2_VERSION") or "") or None,
            },
        )
    except ServiceError as exc:
        if exc.status_code in (401, 403):
            return refused(exc.message, exc.status_code)
        raise
    except Exception as exc:
        log.warning("verifyPM2 failed: %s", exc)
        # No `active` and no `endpoints`: the agent retries instead of giving up.
        body = {"error": "ingest storage unavailable, retry later", "detail": type(exc).__name__}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "10"})
    return JSONResponse(
        {
            "endpoints": endpoints(ingest.settings.public_url),
            "active": True,
            "pending": False,
            "disabled": False,
            "new": new,
            "name": bucket["name"],
        }
    )
