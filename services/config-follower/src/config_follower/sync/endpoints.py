"""POST /notify and GET /status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from meridian_kit.app import state_dependency
from meridian_kit.errors import BadRequest, error_responses
from meridian_kit.json_body import json_body
from meridian_kit.pryv_errors import PryvErrorBody
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config_follower.auth import check_key
from config_follower.state import FollowerState
from config_follower.sync.service import Follower


class HookRunOut(BaseModel):
    """One hook run: its command, exit code, the files that triggered it."""

    cmd: list[str]
    rc: int | None
    files: list[str]
    error: str | None = None


class NotifyOut(BaseModel):
    """What a sync did: files written or removed, how many were unchanged, the hooks run."""

    files: list[str] = Field(description="files written")
    unchanged: int
    removed: list[str]
    hooks: list[HookRunOut]
    revision: int | None


class LastFetch(BaseModel):
    """The last fetch from the leader."""

    at: str
    ok: bool
    error: str | None


class LastApply(BaseModel):
    """The last apply that changed something."""

    model_config = ConfigDict(extra="allow")

    at: str
    written: list[str]
    removed: list[str] = []


class StatusOut(BaseModel):
    """Leader URL, last fetch (time, result), revision applied and the files."""

    leader: str
    last_fetch: LastFetch | None = Field(alias="lastFetch")
    last_apply: LastApply | None = Field(alias="lastApply")
    revision: int | None
    files: list[str]
    synced_since_start: bool = Field(alias="syncedSinceStart")
    data_folder: str = Field(alias="dataFolder")


def get_follower(
    state: Annotated[FollowerState, Depends(state_dependency(FollowerState))],
) -> Follower:
    """The follower built by the lifespan."""
    return state.follower


FollowerDep = Annotated[Follower, Depends(get_follower)]


class NotifyIn(BaseModel):
    """What the leader may send: the services to restart (the original leader's body)."""

    services: list[str] | None = Field(
        None, description="only hooks naming one of these run (plus those whose files changed)"
    )


async def notify_body(request: Request) -> NotifyIn:
    """The optional JSON body of /notify, whatever its Content-Type; a bad one is a 400."""
    if not (await request.body()).strip():
        return NotifyIn(services=None)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest(f"body must be a JSON object, not {type(body).__name__}")
    try:
        return NotifyIn.model_validate(body)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise BadRequest(f"invalid notify body: {fields}", detail=exc.errors()) from None


def require_leader_key(request: Request, follower: FollowerDep) -> None:
    """/notify needs the same key the follower uses with the leader (else 403)."""
    check_key(request, follower.config.leader.auth)


router = APIRouter(tags=["follower"])


@router.post(
    "/notify",
    dependencies=[Depends(require_leader_key)],
    response_model=NotifyOut,
    response_model_exclude_unset=True,
    # 401: no or a wrong key; 502: the leader sent files that cannot be applied; 503: the
    # leader cannot be reached (or this instance is busy); 500: the files cannot be written here.
    responses=error_responses(400, 401, 500, 502, 503, model=PryvErrorBody),
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": NotifyIn.model_json_schema()}},
        }
    },
)
async def notify(
    follower: FollowerDep, body: Annotated[NotifyIn, Depends(notify_body)]
) -> dict[str, Any]:
    """Fetches this role's files from the leader, applies the changed ones, runs their hooks."""
    report = await follower.sync("notify", body.services)
    return report.as_json()


@router.get(
    "/status",
    response_model=StatusOut,
    response_model_exclude_unset=True,
    responses=error_responses(503),
)
async def status(follower: FollowerDep) -> dict[str, Any]:
    """Leader URL, last fetch (time, result), revision applied and the files."""
    return follower.status_json()
