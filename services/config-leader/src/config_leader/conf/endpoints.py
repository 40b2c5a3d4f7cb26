"""GET /conf for followers.

An original follower builds its URL as `new URL('conf', leaderUrl)`: behind a path prefix it
only reaches `<prefix>/conf` when the configured URL ends with `/`, so `/conf/` is served too.
Files that are not UTF-8 go only to followers declaring they decode base64 (ours send
`X-Config-Encodings: base64`, or `?encodings=base64`).
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from meridian_kit.errors import error_responses
from meridian_kit.pryv_errors import PryvErrorBody
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


ENCODINGS_HEADER = "X-Config-Encodings"


def decodes_base64(request: Request) -> bool:
    """True when the follower declares it decodes `"encoding": "base64"` files."""
    declared = request.headers.get(ENCODINGS_HEADER) or request.query_params.get("encodings")
    return declared is not None and "base64" in {w.strip() for w in declared.split(",")}


def render_for(state: LeaderState, role: str, *, base64_ok: bool) -> bytes:
    """The role's rendered files, with the revision they were rendered from, as JSON."""
    revision = state.store.history.latest_number()
    return state.renderer.conf_body(role, state.store.variables(), revision, base64_ok=base64_ok)


@router.get("/conf/", include_in_schema=False)
@router.get(
    "/conf",
    response_class=Response,
    responses={
        200: {"model": ConfOut, "content": {"application/json": {"example": CONF_EXAMPLE}}},
        # 404: the follower's role has no folder; 500: the templates on disk do not render
        **error_responses(401, 404, 500, 503, model=PryvErrorBody),
    },
)
async def get_conf(state: StateDep, follower: FollowerDep, request: Request) -> Response:
    """The files of the calling follower's role, rendered with the platform variables.

    Non-UTF-8 files come as `{"path", "content": <base64>, "encoding": "base64"}`, only to a
    follower sending `X-Config-Encodings: base64` (or `?encodings=base64`); others do not get
    them (an original follower would write the base64 text).
    """
    base64_ok = decodes_base64(request)
    body = await asyncio.to_thread(render_for, state, follower.role, base64_ok=base64_ok)
    return Response(body, media_type="application/json")
