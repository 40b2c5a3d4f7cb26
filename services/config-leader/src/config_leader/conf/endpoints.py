"""GET /conf for followers."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response

from config_leader.deps import FollowerDep, LeaderState, StateDep

router = APIRouter(tags=["followers"])

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
    responses={200: {"content": {"application/json": {"example": CONF_EXAMPLE}}}},
)
async def get_conf(state: StateDep, follower: FollowerDep) -> Response:
    """The files of the calling follower's role, rendered with the platform variables.

    Non-UTF-8 files come as `{"path", "content": <base64>, "encoding": "base64"}`.
    """
    body = await asyncio.to_thread(render_for, state, follower.role)
    return Response(body, media_type="application/json")
