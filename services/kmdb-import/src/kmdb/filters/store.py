"""The filter tables' queries: the API's list, add and remove, and each job's read of all three."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from asyncmy.connection import Connection

from kmdb.db import execute, fetchall
from kmdb.filters.schemas import FilterKind


@dataclass(frozen=True)
class Filters:
    """The filter tables as read at a job's start; an empty whitelist lets every event in."""

    ignored_users: frozenset[str] = frozenset()
    whitelisted_events: frozenset[str] = frozenset()
    blacklisted_properties: frozenset[str] = frozenset()


async def load_filters(conn: Connection) -> Filters:
    """Ignored users, whitelisted events and blacklisted properties as they are now."""

    async def names(table: str) -> frozenset[str]:
        return frozenset(row[0] for row in await fetchall(conn, f"SELECT name FROM {table}"))

    return Filters(
        ignored_users=await names("ignored_users"),
        whitelisted_events=await names("whitelisted_events"),
        blacklisted_properties=await names("blacklisted_properties"),
    )


async def list_names(
    conn: Connection, kind: FilterKind, *, limit: int, after: str | None
) -> list[tuple[str, dt.datetime]]:
    """(name, created_at) in a filter table in order, `limit` of them (after `after` if given)."""
    where, args = ("WHERE name > %s", [after]) if after is not None else ("", [])
    rows = await fetchall(
        conn,
        f"SELECT name, created_at FROM {kind.table} {where} ORDER BY name LIMIT %s",
        [*args, limit],
    )
    return [(r[0], r[1]) for r in rows]


async def insert_name(conn: Connection, kind: FilterKind, name: str) -> bool:
    """Adds a name; False if it was there already."""
    return bool(await execute(conn, f"INSERT IGNORE INTO {kind.table} (name) VALUES (%s)", (name,)))


async def get_name(conn: Connection, kind: FilterKind, name: str) -> tuple[str, dt.datetime]:
    """(name, created_at) of a name present in the table."""
    rows = await fetchall(
        conn, f"SELECT name, created_at FROM {kind.table} WHERE name = %s", (name,)
    )
    return rows[0][0], rows[0][1]


async def delete_name(conn: Connection, kind: FilterKind, name: str) -> bool:
    """Removes a name; False if it was not there."""
    return bool(await execute(conn, f"DELETE FROM {kind.table} WHERE name = %s", (name,)))
