"""Merging the users an alias pair joins: the kept identity's user takes every past row.

Every identity has an `identities(name, user_id)` row; a user's id is the hash of its kept
identity (numeric first, then lowest), so whichever worker merges, the result is the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import execute, fetchall
from kmdb.dealias.groups import merged_users
from kmdb.dealias.ids import preference
from kmdb.dealias.moves import move_rows, record_moves
from kmdb.dealias.store import chunks, marks


@dataclass
class Merged:
    """What a batch's merges did: {old user id: kept user id}, and past rows re-pointed."""

    repoint: dict[int, int] = field(default_factory=dict)
    rows_moved: int = 0


async def merge_aliases(
    conn: Connection,
    pairs: list[tuple[str, str]],
    person: dict[str, int],
    *,
    past: set[int] | None = None,
    defer: bool = False,
) -> Merged:
    """Merges the users of each alias pair, re-pointing their past rows (or, with `defer`,
    recording them as pending moves: see repoint_rows).

    `person` maps every name of the pairs to its user, read under the locks of
    lock_identities, which cover every identity of the users merged (it checked that under
    the locks: no other batch can add one to them before this transaction ends). `past`, if
    given, holds the only users that can have rows (the others were created in this transaction).
    """
    if not pairs:
        return Merged()
    groups = merged_users(person, pairs)
    involved = sorted(u for group in groups for u in group)
    if not involved:
        return Merged()
    names = await _user_names(conn, involved)
    repoint: dict[int, int] = {}
    for members in groups:
        keep = min(members, key=lambda u: preference(names[u]))
        repoint.update({u: keep for u in members if u != keep})
    moved = await repoint_rows(conn, repoint, past=past, later=names if defer else None)
    return Merged(repoint, moved)


async def _user_names(conn: Connection, users: list[int]) -> dict[int, str]:
    """{user: name} of those users, locked (the kept one is named by the preferred identity)."""
    names: dict[int, str] = {}
    for part in chunks(users):
        names.update(
            await fetchall(
                conn,
                f"SELECT id, name FROM users WHERE id IN ({marks(len(part))}) ORDER BY id FOR UPDATE",
                part,
            )
        )
    return names


async def repoint_rows(
    conn: Connection,
    repoint: dict[int, int],
    *,
    past: set[int] | None = None,
    later: dict[int, str] | None = None,
) -> int:
    """Moves the identities of each old user to its kept user and deletes the old users;
    returns how many events and properties moved with them. `past`: only these users' rows
    are looked for (None: every old user's). `later` (every user's name): their rows are not
    moved here but recorded as pending moves (dealias/moves.py), which delete those users when
    they move the rows, after this transaction."""
    olds = sorted(repoint)
    with_rows = {u: repoint[u] for u in olds if past is None or u in past}
    await move_rows(conn, "identities", repoint)
    moved = 0
    if later is None:
        for table in ("events", "properties"):
            moved += await move_rows(conn, table, with_rows)
    else:
        await record_moves(conn, {u: later[u] for u in with_rows})
    gone = olds if later is None else [u for u in olds if u not in with_rows]
    for part in chunks(gone):
        await execute(conn, f"DELETE FROM users WHERE id IN ({marks(len(part))})", part)
    return moved
