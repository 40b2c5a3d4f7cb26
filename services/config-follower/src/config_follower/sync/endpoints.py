"""POST /notify and GET /status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from config_follower.auth import check_key
from config_follower.sync.service import Follower


def get_follower(request: Request) -> Follower:
    """The follower built by the lifespan."""
    follower: Follower = request.app.state.follower
    return follower


FollowerDep = Annotated[Follower, Depends(get_follower)]


def require_leader_key(request: Request, follower: FollowerDep) -> None:
    """/notify needs the same key the follower uses with the leader (else 403)."""
    check_key(request, follower.config.leader.auth)


router = APIRouter(tags=["follower"])


@router.post("/notify", dependencies=[Depends(require_leader_key)])
async def notify(follower: FollowerDep) -> dict[str, Any]:
    """Fetches this role's files from the leader, applies the changed ones, runs their hooks."""
    report = await follower.sync("notify")
    return report.as_json()


@router.get("/status")
async def status(follower: FollowerDep) -> dict[str, Any]:
    """Leader URL, last fetch (time, result), revision applied and the files."""
    return follower.status_json()
