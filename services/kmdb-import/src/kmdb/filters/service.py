"""Filter entries for the API: listing, adding (409 if present), removing (404 if absent)."""

from __future__ import annotations

from asyncmy.connection import Connection
from meridian_kit.errors import Conflict, NotFound

from kmdb.filters import store
from kmdb.filters.schemas import FilterKind, FilterOut


async def list_filter(
    conn: Connection, kind: FilterKind, *, limit: int, after: str | None = None
) -> list[FilterOut]:
    """Names in a filter table in order, `limit` of them (after `after` if given)."""
    rows = await store.list_names(conn, kind, limit=limit, after=after)
    return [FilterOut(name=name, created_at=created) for name, created in rows]


async def add_filter(conn: Connection, kind: FilterKind, name: str) -> FilterOut:
    """Adds a name; 409 if it is there already."""
    if not await store.insert_name(conn, kind, name):
        raise Conflict(f"{name!r} is already in {kind.value}", detail={"field": "name"})
    name, created = await store.get_name(conn, kind, name)
    return FilterOut(name=name, created_at=created)


async def delete_filter(conn: Connection, kind: FilterKind, name: str) -> None:
    """Removes a name; 404 if it was not there."""
    if not await store.delete_name(conn, kind, name):
        raise NotFound(f"{name!r} is not in {kind.value}")
