"""Request bodies of the admin API, read as JSON whatever the Content-Type (curl-friendly)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from meridian_kit.errors import BadRequest
from pydantic import BaseModel, ValidationError


class NotifyRequest(BaseModel):
    """Narrows a notify to some roles (all followers when absent)."""

    roles: list[str] | None = None


async def json_object(request: Request, *, required: bool) -> dict[str, Any] | None:
    """The body as a JSON object; 400 naming the problem otherwise."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest("body required: a JSON object")
        return None
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"body must be a JSON object, not {type(body).__name__}")
    return body


async def settings_changes(request: Request) -> dict[str, Any]:
    """PUT /admin/settings body: {"VAR": value, ...}."""
    body = await json_object(request, required=True)
    assert body is not None
    return body


async def notify_request(request: Request) -> NotifyRequest:
    """POST /admin/notify body: optional {"roles": [...]}."""
    body = await json_object(request, required=False)
    try:
        return NotifyRequest.model_validate(body or {})
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise BadRequest(f"invalid notify body: {fields}", detail=exc.errors()) from None


SETTINGS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "object", "additionalProperties": True},
                "example": {"DOMAIN": "example.com", "PORT": 8443},
            }
        },
    }
}
NOTIFY_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": NotifyRequest.model_json_schema()}},
    }
}
