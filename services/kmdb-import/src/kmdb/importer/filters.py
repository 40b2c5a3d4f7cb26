"""Reading the three filter tables (at each job's start)."""

from __future__ import annotations

from asyncmy.connection import Connection

from kmdb.db import fetchall
from kmdb.importer.batches import Filters


async def load_filters(conn: Connection) -> Filters:
    """Ignored users, whitelisted events and blacklisted properties as they are now."""

    async def names(table: str) -> frozenset[str]:
        return frozenset(row[0] for row in await fetchall(conn, f"SELECT name FROM {table}"))

    return Filters(
        ignored_users=await names("ignored_users"),
        whitelisted_events=await names("whitelisted_events"),
        blacklisted_properties=await names("blacklisted_properties"),
    )
