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
from kmdb.dealias.store import USER_INDEX, chunks, marks

# Old users per re-pointing UPDATE (a batch's merges fit in one; a whole file's take several).
REPOINT_SLICE = 500


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
) -> Merged:
    """Merges the users of each alias pair, re-pointing their past rows.

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
    repoint = await _kept_users(conn, groups, involved)
    return Merged(repoint, await repoint_rows(conn, repoint, past=past))


async def _kept_users(
    conn: Connection, groups: list[list[int]], involved: list[int]
) -> dict[int, int]:
    """{old user: kept user} of each group, keeping the user named by the preferred identity."""
    kept: dict[int, str] = {}
    for part in chunks(involved):
        kept.update(
            await fetchall(
                conn,
                f"SELECT id, name FROM users WHERE id IN ({marks(len(part))}) ORDER BY id FOR UPDATE",
                part,
            )
        )
    repoint: dict[int, int] = {}
    for members in groups:
        keep = min(members, key=lambda u: preference(kept[u]))
        repoint.update({u: keep for u in members if u != keep})
    return repoint


async def repoint_rows(
    conn: Connection, repoint: dict[int, int], *, past: set[int] | None = None
) -> int:
    """Moves the identities and past rows of each old user to its kept user, deletes the old
    users; returns how many events and properties moved. `past`: only these users' rows are
    looked for (None: every old user's)."""
    olds = sorted(repoint)
    with_rows = olds if past is None else [u for u in olds if u in past]
    moved = 0
    for table in ("identities", "events", "properties"):
        for part in _slices(olds if table == "identities" else with_rows):
            case = "CASE user_id " + " ".join(["WHEN %s THEN %s"] * len(part)) + " END"
            count = await execute(
                conn,
                f"UPDATE {table} FORCE INDEX ({USER_INDEX[table]}) SET user_id = {case}"
                f" WHERE user_id IN ({marks(len(part))})",
                [v for old in part for v in (old, repoint[old])] + part,
            )
            moved += count if table != "identities" else 0
    for part in chunks(olds):
        await execute(conn, f"DELETE FROM users WHERE id IN ({marks(len(part))})", part)
    return moved


def _slices(olds: list[int]) -> list[list[int]]:
    """Old users by slices of REPOINT_SLICE: a CASE is evaluated WHEN by WHEN for each row."""
    return [olds[i : i + REPOINT_SLICE] for i in range(0, len(olds), REPOINT_SLICE)]
