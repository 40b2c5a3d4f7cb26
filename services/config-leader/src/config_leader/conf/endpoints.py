"""GET /conf for followers."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from config_leader.deps import FollowerDep, LeaderState, StateDep

router = APIRouter(tags=["followers"])


def render_for(state: LeaderState, role: str) -> dict[str, Any]:
    """The role's rendered files with the revision they were rendered from."""
    snapshot = state.store.snapshot()
    files = state.renderer.render(role, state.store.variables())
    return {
        "files": [file.as_json() for file in files],
        "role": role,
        "revision": snapshot.revision,
    }


@router.get("/conf")
async def get_conf(state: StateDep, follower: FollowerDep) -> dict[str, Any]:
    """The files of the calling follower's role, rendered with the platform variables."""
    return await asyncio.to_thread(render_for, state, follower.role)
