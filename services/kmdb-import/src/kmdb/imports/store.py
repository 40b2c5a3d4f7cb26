"""The `imports` rows the API reads."""

from __future__ import annotations

import datetime as dt

from asyncmy.connection import Connection

from kmdb.db import fetchall


async def get_import(conn: Connection, import_id: str) -> tuple[str, bool, dt.datetime] | None:
    """An import's (source, force, created_at), or None."""
    rows = await fetchall(
        conn,
        "SELECT source, force_reimport, created_at FROM imports WHERE id = %s",
        (import_id,),
    )
    if not rows:
        return None
    source, force, created = rows[0]
    return source, bool(force), created
