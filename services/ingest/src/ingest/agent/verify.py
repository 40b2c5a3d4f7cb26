"""The handshake: POST /api/node/verifyPM2 tells a linked agent where its websocket is.

The agent ignores the HTTP status and reads the JSON: `active: false, error: true` makes it stop
(bad keys), while an answer without `active` or `endpoints` makes it retry (our outages).
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from meridian_kit.errors import BadRequest, ServiceError, error_responses
from meridian_kit.json_body import parse_json
from pydantic import BaseModel, ConfigDict, Field

from ingest.agent.channels import MAX_DEPTH, as_dict
from ingest.auth import keys_bucket
from ingest.deps import BucketsDep, SettingsDep

# What an agent's operator typed: `pm2 link <secret key> <public key>`.
PM2_LINK_KEYS = "the bucket's secret and public keys given to `pm2 link <secret> <public>`"

log = logging.getLogger("ingest.agent")

router = APIRouter(tags=["agent"])

PATH = "/api/node/verifyPM2"
MAX_KEY = 256
MAX_BODY = 1024 * 1024  # an agent's handshake is a few kB


class Endpoints(BaseModel):
    """Where the agent connects."""

    ws: str
    web: str


class Verified(BaseModel):
    """Keys accepted: the agent connects to `endpoints.ws`."""

    endpoints: Endpoints
    active: Literal[True]
    pending: bool
    disabled: bool
    new: bool
    name: str


class Refused(BaseModel):
    """Keys or body refused: the agent stops and prints `msg`."""

    active: Literal[False]
    error: Literal[True]
    msg: str


class AgentData(BaseModel):
    """The machine an agent runs on (more fields are sent, and kept out)."""

    model_config = ConfigDict(extra="allow")

    MACHINE_NAME: str = Field(min_length=1, max_length=256, pattern=r"\S")
    HOSTNAME: str | None = Field(None, max_length=256)
    PM2_VERSION: str | None = Field(None, max_length=64)


class VerifyRequest(BaseModel):
    """What the agent sends (documentation only: the body is read as the agent sends it)."""

    public_id: str = Field(min_length=1, max_length=MAX_KEY)
    private_id: str = Field(min_length=1, max_length=MAX_KEY)
    data: AgentData


# Every refusal is the protocol's answer (the route is exempt from the kit's JSON middleware).
REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": Refused, "description": description}
    for code, description in (
        (400, "Malformed body or keys: the agent stops"),
        (401, "Missing keys: the agent stops"),
        (403, "Unknown public key or wrong secret: the agent stops"),
        (413, "Body too large: the agent stops"),
    )
}


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema with its nested models written in place (no $defs to resolve)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    for name, prop in schema["properties"].items():
        ref = prop.get("$ref", "")
        if ref.startswith("#/$defs/"):
            schema["properties"][name] = defs[ref.removeprefix("#/$defs/")]
    return schema


VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": inline_schema(VerifyRequest)}},
    }
}


def endpoints(public_url: str) -> dict[str, str]:
    """The websocket and web URLs an agent is sent to."""
    scheme, sep, rest = public_url.partition("://")
    ws_scheme = {"https": "wss", "http": "ws"}.get(scheme, "wss")
    return {"ws": f"{ws_scheme}{sep}{rest}/interaction", "web": public_url}


def refused(message: str, status: int) -> JSONResponse:
    """An answer that makes the agent stop and print the message."""
    return JSONResponse({"active": False, "error": True, "msg": message}, status_code=status)


def text(value: Any, limit: int = 256) -> str | None:
    """A string field of the agent's data, bounded; None when it is not a string."""
    return value[:limit] if isinstance(value, str) else None


@router.post(
    PATH,
    response_model=Verified,
    responses={**REFUSALS, **error_responses(503)},
    openapi_extra=VERIFY_BODY,
)
async def verify_pm2(request: Request, buckets: BucketsDep, settings: SettingsDep) -> JSONResponse:
    """Checks an agent's keys, records its server and returns the websocket endpoint."""
    raw = (
        await request.body()
    )  # exempt from the kit's middleware: refusals keep the protocol's shape
    if len(raw) > MAX_BODY:
        return refused(f"request body of {len(raw)} bytes exceeds {MAX_BODY}", 413)
    try:
        body: Any = parse_json(raw, max_depth=MAX_DEPTH)
    except BadRequest as exc:
        return refused(exc.message, 400)
    if not isinstance(body, dict):
        return refused("request body must be a JSON object", 400)
    data = as_dict(body.get("data"))
    machine = data.get("MACHINE_NAME")
    if not isinstance(machine, str) or not machine.strip() or len(machine) > 256:
        return refused("data.MACHINE_NAME must be a non-empty string", 400)
    public, secret = body.get("public_id"), body.get("private_id")
    for name, key in (("public_id", public), ("private_id", secret)):
        if key is not None and (not isinstance(key, str) or len(key) > MAX_KEY):
            return refused(f"{name} must be a string of at most {MAX_KEY} characters", 400)
    try:
        bucket = await keys_bucket(buckets, public, secret, PM2_LINK_KEYS)
        new = await buckets.server_seen(
            bucket["id"],
            machine,
            {
                "hostname": text(data.get("HOSTNAME")),
                "pm2_version": text(data.get("PM2_VERSION"), 64),
            },
        )
    except ServiceError as exc:
        if exc.status_code in (401, 403):
            return refused(exc.message, exc.status_code)
        raise
    except Exception as exc:
        # Anything else is our side failing (a storage outage): answered, never a 500, so that the
        # agent, seeing no `active` and no `endpoints`, retries instead of giving up.
        log.warning("verifyPM2 of %r failed: %r", machine, exc)
        body = {"error": "ingest storage unavailable, retry later", "detail": type(exc).__name__}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "10"})
    return JSONResponse(
        {
            "endpoints": endpoints(settings.public_url),
            "active": True,
            "pending": False,
            "disabled": False,
            "new": new,
            "name": bucket["name"],
        }
    )
