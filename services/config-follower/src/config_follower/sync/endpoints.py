"""POST /notify and GET /status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from meridian_kit.errors import error_responses
from pydantic import BaseModel, ConfigDict, Field

from config_follower.auth import check_key
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


def get_follower(request: Request) -> Follower:
    """The follower built by the lifespan."""
    follower: Follower = request.app.state.follower
    return follower


FollowerDep = Annotated[Follower, Depends(get_follower)]


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
    responses=error_responses(401, 500, 502, 503),
)
async def notify(follower: FollowerDep) -> dict[str, Any]:
    """Fetches this role's files from the leader, applies the changed ones, runs their hooks."""
    report = await follower.sync("notify")
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
