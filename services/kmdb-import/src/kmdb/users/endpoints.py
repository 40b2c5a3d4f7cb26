"""Routes of users: one person's timeline."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from meridian_kit.errors import error_responses

from kmdb.deps import ReadConnDep, TokenDep
from kmdb.params import Limit
from kmdb.users import service
from kmdb.users.schemas import TimelineOut

router = APIRouter(dependencies=[TokenDep], responses=error_responses(400, 401, 403, 503))


@router.get(
    "/users/{identity:path}/timeline", response_model=TimelineOut, responses=error_responses(404)
)
async def read_timeline(
    identity: str,
    conn: ReadConnDep,
    limit: Limit = 100,
    before: Annotated[
        dt.datetime | None,
        Query(description="only what happened before this time (UTC unless it says otherwise)"),
    ] = None,
) -> TimelineOut:
    """A user's latest events, looked up by any of their identities."""
    return await service.timeline(conn, identity, limit=limit, before=before)
