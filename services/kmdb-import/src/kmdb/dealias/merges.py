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
from kmdb.dealias.store import USER_INDEX, marks


@dataclass
class Merged:
    """What a batch's merges did: {old user id: kept user id}, and past rows re-pointed."""

    repoint: dict[int, int] = field(default_factory=dict)
    rows_moved: int = 0


async def merge_aliases(
    conn: Connection, pairs: list[tuple[str, str]], person: dict[str, int]
) -> Merged:
    """Merges the users of each alias pair, re-pointing their past rows.

    `person` maps every name of the pairs to its user, read under the locks of
    lock_identities, which cover every identity of the users merged (it checked that under
    the locks: no other batch can add one to them before this transaction ends).
    """
    if not pairs:
        return Merged()
    groups = merged_users(person, pairs)
    involved = sorted(u for group in groups for u in group)
    if not involved:
        return Merged()
    repoint = await _kept_users(conn, groups, involved)
    return Merged(repoint, await repoint_rows(conn, repoint))


async def _kept_users(
    conn: Connection, groups: list[list[int]], involved: list[int]
) -> dict[int, int]:
    """{old user: kept user} of each group, keeping the user named by the preferred identity."""
    kept = dict(
        await fetchall(
            conn,
            f"SELECT id, name FROM users WHERE id IN ({marks(len(involved))}) ORDER BY id FOR UPDATE",
            involved,
        )
    )
    repoint: dict[int, int] = {}
    for members in groups:
        keep = min(members, key=lambda u: preference(kept[u]))
        repoint.update({u: keep for u in members if u != keep})
    return repoint


async def repoint_rows(conn: Connection, repoint: dict[int, int]) -> int:
    """Moves the identities and past rows of each old user to its kept user, deletes the old
    users; returns how many events and properties moved."""
    olds = sorted(repoint)
    case = "CASE user_id " + " ".join(["WHEN %s THEN %s"] * len(olds)) + " END"
    case_args = [v for old in olds for v in (old, repoint[old])]
    where = f"user_id IN ({marks(len(olds))})"
    moved = 0
    for table in ("identities", "events", "properties"):
        count = await execute(
            conn,
            f"UPDATE {table} FORCE INDEX ({USER_INDEX[table]}) SET user_id = {case} WHERE {where}",
            case_args + olds,
        )
        moved += count if table != "identities" else 0
    await execute(conn, f"DELETE FROM users WHERE id IN ({marks(len(olds))})", olds)
    return moved
