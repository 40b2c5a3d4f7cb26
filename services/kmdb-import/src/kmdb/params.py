"""Query and path parameters shared by the domains' routes, each bounded."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from kmdb.dealias.ids import MAX_REVISION

Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many items")]
Offset = Annotated[
    int, Query(ge=0, le=10_000, description="items to skip (at most 10000; page further by key)")
]
Revision = Annotated[int, Path(ge=0, le=MAX_REVISION, description="the revision number")]
