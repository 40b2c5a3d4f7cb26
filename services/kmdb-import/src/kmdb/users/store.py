"""A user's identities, events and property sets."""

from __future__ import annotations

import datetime as dt
from typing import Any

from asyncmy.connection import Connection

from kmdb.db import fetchall


async def find_user(conn: Connection, identity: str) -> tuple[int, str] | None:
    """(user id, kept identity) of the user holding an identity, or None."""
    found = await fetchall(
        conn,
        "SELECT u.id, u.name FROM identities i JOIN users u ON u.id = i.user_id WHERE i.name = %s",
        (identity,),
    )
    return (found[0][0], found[0][1]) if found else None


async def identities_of(conn: Connection, user_id: int) -> list[str]:
    """A user's identities in order (at most 1000)."""
    rows = await fetchall(
        conn, "SELECT name FROM identities WHERE user_id = %s ORDER BY name LIMIT 1000", (user_id,)
    )
    return [r[0] for r in rows]


async def latest_events(
    conn: Connection, user_id: int, *, before: dt.datetime, limit: int
) -> list[tuple[Any, ...]]:
    """(id, t, name) of a user's latest events before a naive UTC time."""
    return await fetchall(
        conn,
        "SELECT e.id, e.t, k.string FROM events e JOIN `keys` k ON k.id = e.n"
        " WHERE e.user_id = %s AND e.t < %s ORDER BY e.t DESC, e.id DESC LIMIT %s",
        (user_id, before, limit),
    )


async def latest_properties(
    conn: Connection, user_id: int, *, before: dt.datetime, limit: int
) -> list[tuple[Any, ...]]:
    """(id, t, key, value, event id) of a user's latest properties before a naive UTC time."""
    return await fetchall(
        conn,
        "SELECT p.id, p.t, k.string, p.value, p.event_id FROM properties p"
        " JOIN `keys` k ON k.id = p.`key` WHERE p.user_id = %s AND p.t < %s"
        " ORDER BY p.t DESC, p.id DESC LIMIT %s",
        (user_id, before, limit),
    )
