"""Merging the users an alias pair joins: the kept identity's user takes every past row.

Every identity has an `identities(name, user_id)` row; a user's id is the hash of its kept
identity (numeric first, then lowest), so whichever worker merges, the result is the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import RaceLost, execute, fetchall
from kmdb.dealias.groups import merged_users
from kmdb.dealias.ids import preference
from kmdb.dealias.store import USER_INDEX, chunks, identities_of, marks, users_by_name

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
    defer: bool = False,
) -> Merged:
    """Merges the users of each alias pair, re-pointing their past rows.

    `person` maps every name of the pairs to its user, read under the locks of
    lock_identities, which cover every identity of the users merged (it checked that under
    the locks: no other batch can add one to them before this transaction ends). `past`, if
    given, holds the only users that can have rows (the others were created in this
    transaction). `defer`: only the identities move to the kept users; their rows and the old
    users are left to settle(), in a transaction of their own.
    """
    if not pairs:
        return Merged()
    groups = merged_users(person, pairs)
    involved = sorted(u for group in groups for u in group)
    if not involved:
        return Merged()
    repoint = await _kept_users(conn, groups, involved)
    if defer:
        olds = sorted(repoint)
        await _repoint(conn, "identities", repoint, olds)
        # Users created in this transaction have no rows: they go now, the others in settle().
        await _move_rows(conn, repoint, [], [u for u in olds if past is not None and u not in past])
        return Merged(repoint)
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
    await _repoint(conn, "identities", repoint, olds)
    return await _move_rows(conn, repoint, [u for u in olds if past is None or u in past], olds)


async def settle(conn: Connection, kept: Iterable[int]) -> int:
    """Moves the rows of the users merged into these whose identities alone moved (a deferred
    merge_aliases, committed) and deletes those users; returns how many rows moved.

    Such a user is found by its name: a user is named after one of its identities, and that
    identity now points to the kept user. Nothing writes rows for it any more (a batch reads
    its people's users under shared locks, and the merge held them exclusively). The kept
    users' identities are read under shared locks (name order, as every identity lock), so no
    merge of a kept user commits meanwhile, while batches, which share them, go on. Run again,
    it finds nothing left to do.
    """
    ids = sorted(set(kept))
    names = await identities_of(conn, ids)
    users = await users_by_name(conn, names, "LOCK IN SHARE MODE")
    if await identities_of(conn, ids) - names:
        raise RaceLost("a user was merged into a kept user while its identities were locked")
    pending: dict[int, int] = {}
    for part in chunks(sorted(names)):
        rows = await fetchall(
            conn, f"SELECT id, name FROM users WHERE name IN ({marks(len(part))})", part
        )
        pending.update((uid, users[name]) for uid, name in rows if uid != users[name])
    olds = sorted(pending)
    return await _move_rows(conn, pending, olds, olds) if olds else 0


async def _move_rows(
    conn: Connection, repoint: dict[int, int], with_rows: list[int], olds: list[int]
) -> int:
    """Re-points the events and properties of with_rows to their kept users, then deletes the
    olds; returns how many rows moved."""
    moved = 0
    for table in ("events", "properties"):
        moved += await _repoint(conn, table, repoint, with_rows)
    for part in chunks(olds):
        await execute(conn, f"DELETE FROM users WHERE id IN ({marks(len(part))})", part)
    return moved


async def _repoint(conn: Connection, table: str, repoint: dict[int, int], olds: list[int]) -> int:
    """UPDATE of table's user_id from each of these old users to its kept one; rows changed."""
    changed = 0
    for part in _slices(olds):
        case = "CASE user_id " + " ".join(["WHEN %s THEN %s"] * len(part)) + " END"
        changed += await execute(
            conn,
            f"UPDATE {table} FORCE INDEX ({USER_INDEX[table]}) SET user_id = {case}"
            f" WHERE user_id IN ({marks(len(part))})",
            [v for old in part for v in (old, repoint[old])] + part,
        )
    return changed


def _slices(olds: list[int]) -> list[list[int]]:
    """Old users by slices of REPOINT_SLICE: a CASE is evaluated WHEN by WHEN for each row."""
    return [olds[i : i + REPOINT_SLICE] for i in range(0, len(olds), REPOINT_SLICE)]
