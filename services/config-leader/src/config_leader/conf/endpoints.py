"""GET /conf for followers."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Response
from meridian_kit.errors import error_responses
from pydantic import BaseModel, Field

from config_leader.deps import FollowerDep, LeaderState, StateDep

router = APIRouter(tags=["followers"])


class ConfFile(BaseModel):
    """One rendered file: its path under the role, its text (or base64 of its bytes)."""

    path: str = Field(description="/<path relative to the role folder>")
    content: str
    encoding: Literal["base64"] | None = Field(None, description="present for non-UTF-8 files")


class ConfOut(BaseModel):
    """The files of the calling follower's role and the revision they were rendered from."""

    files: list[ConfFile]
    role: str
    revision: int


CONF_EXAMPLE = {
    "files": [{"path": "/nginx/site.conf", "content": "server_name example.com;\n"}],
    "role": "gateway",
    "revision": 3,
}


def render_for(state: LeaderState, role: str) -> bytes:
    """The role's rendered files, with the revision they were rendered from, as JSON."""
    revision = state.store.history.latest_number()
    return state.renderer.conf_body(role, state.store.variables(), revision)


@router.get(
    "/conf",
    response_class=Response,
    responses={
        200: {"model": ConfOut, "content": {"application/json": {"example": CONF_EXAMPLE}}},
        # 404: the follower's role has no folder; 500: the templates on disk do not render
        **error_responses(401, 404, 500, 503),
    },
)
async def get_conf(state: StateDep, follower: FollowerDep) -> Response:
    """The files of the calling follower's role, rendered with the platform variables.

    Non-UTF-8 files come as `{"path", "content": <base64>, "encoding": "base64"}`.
    """
    body = await asyncio.to_thread(render_for, state, follower.role)
    return Response(body, media_type="application/json")
