"""Routes of the filter tables: list, add and remove names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from meridian_kit.errors import NotFound, error_responses

from kmdb.deps import ConnDep, TokenDep
from kmdb.fields import Printable
from kmdb.filters import service
from kmdb.filters.schemas import FilterIn, FilterKind, FilterOut
from kmdb.params import Limit

router = APIRouter(dependencies=[TokenDep], responses=error_responses(400, 401, 403, 503))
# Any text: names stored before control characters were refused can be removed too.
FilterName = Annotated[str, Query(min_length=1, max_length=255, description="the name")]


@router.get("/filters/{kind}", response_model=list[FilterOut])
async def read_filter(
    kind: FilterKind,
    conn: ConnDep,
    limit: Limit = 1000,
    after: Annotated[
        Printable | None, Query(max_length=255, description="only names after this one")
    ] = None,
) -> list[FilterOut]:
    """Names in ignored-users, whitelisted-events or blacklisted-properties, in order."""
    return await service.list_filter(conn, kind, limit=limit, after=after)


@router.post(
    "/filters/{kind}",
    status_code=status.HTTP_201_CREATED,
    response_model=FilterOut,
    responses=error_responses(409, 413),
)
async def add_filter(kind: FilterKind, body: FilterIn, conn: ConnDep) -> FilterOut:
    """Adds a name to a filter table (read by each job at its start); no control characters."""
    return await service.add_filter(conn, kind, body.name)


# 204 answers carry no body: their response class is a bare Response, declared as such.
@router.delete(
    "/filters/{kind}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(404),
)
async def delete_filter_by_query(kind: FilterKind, name: FilterName, conn: ConnDep) -> None:
    """Removes a name given as `?name=` (any name: nothing in a path can change it on the way)."""
    await service.delete_filter(conn, kind, name)


@router.delete(
    "/filters/{kind}/{name:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(404),
)
async def delete_filter(kind: FilterKind, name: str, conn: ConnDep) -> None:
    """Removes a name from a filter table (percent-encode it; `?name=` for any name)."""
    if not name:
        raise NotFound("no name given: DELETE /filters/{kind}/{name} or ?name=")
    await service.delete_filter(conn, kind, name)
