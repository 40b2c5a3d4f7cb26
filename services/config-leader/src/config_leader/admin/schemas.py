"""Request bodies of the admin API, read as JSON whatever the Content-Type (curl-friendly)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Request
from meridian_kit.errors import BadRequest
from meridian_kit.json_body import json_body
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config_leader.settings_store.platform_file import flatten_body


class NotifyRequest(BaseModel):
    """Narrows a notify to some roles (all followers when absent); `services` is passed on."""

    roles: list[str] | None = None
    services: list[str] | None = Field(
        None, description="forwarded to each follower's /notify, which restarts only those"
    )


class Change(BaseModel):
    """One variable's change: "from" absent when added, "to" absent when removed."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Any = Field(None, alias="from")
    to: Any = None


class Validation(BaseModel):
    """Rendering every role with the current variables: errors (not served), warnings (served)."""

    errors: list[str]
    warnings: list[str]


class SettingsOut(BaseModel):
    """The variables in the form platform.yml gives them, their revision, what the call changed."""

    revision: int
    changed: bool
    changes: dict[str, Change] = Field(description="per flat variable name")
    form: Literal["flat", "grouped"] = Field(
        description="flat: `settings` is {VAR: value}; grouped: platform.yml's groups,"
        " {GROUP: {name, settings: {VAR: {value, description}}}}"
    )
    settings: dict[str, Any]
    validation: Validation | None = Field(None, description="GET only")


class RevisionSummary(BaseModel):
    """A revision without its full settings."""

    revision: int
    at: str = Field(description="ISO 8601 UTC")
    action: str
    changes: dict[str, Change]
    rollback_of: int | None = Field(None, alias="rollbackOf")


class HistoryOut(BaseModel):
    """Revisions, oldest first."""

    revisions: list[RevisionSummary]


class RevisionOut(RevisionSummary):
    """One revision with the full set of variables it held."""

    settings: dict[str, Any]


class FollowerStatus(BaseModel):
    """A follower's state from its /status, or why it could not be asked."""

    url: str
    role: str
    reachable: bool
    error: str | None = None
    revision: int | None = None
    last_fetch: dict[str, Any] | None = Field(None, alias="lastFetch")
    last_apply: dict[str, Any] | None = Field(None, alias="lastApply")
    synced_since_start: bool | None = Field(None, alias="syncedSinceStart")
    files: int | None = None


class FollowersOut(BaseModel):
    """Every configured follower, in config-leader.json's order."""

    followers: list[FollowerStatus]


class FollowerReport(BaseModel):
    """A follower's /notify answer (successes) or what went wrong (failures)."""

    model_config = ConfigDict(extra="allow")

    url: str
    role: str
    error: str | None = None
    status: int | None = None


class NotifyOut(BaseModel):
    """Which followers applied the files and which failed."""

    successes: list[FollowerReport]
    failures: list[FollowerReport]


async def json_object(request: Request, *, required: bool) -> dict[str, Any] | None:
    """The body as a JSON object, by the kit's JSON rule whatever the Content-Type; else a 400."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest("body required: a JSON object")
        return None
    body = await json_body(request)  # depth, finite numbers, 64-bit integers: 400 naming the field
    if not isinstance(body, dict):
        raise BadRequest(f"body must be a JSON object, not {type(body).__name__}")
    return body


async def settings_changes(request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    """PUT /admin/settings body, flat {"VAR": value} or grouped: the values and their groups."""
    body = await json_object(request, required=True)
    assert body is not None
    return flatten_body(body)


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
                "examples": {
                    "flat": {"value": {"DOMAIN": "example.com", "PORT": 8443}},
                    "grouped": {
                        "value": {"MAIN": {"settings": {"DOMAIN": {"value": "example.com"}}}}
                    },
                },
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
