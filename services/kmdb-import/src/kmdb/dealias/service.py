"""Identities -> users inside a batch's transaction: create, merge along aliases, resolve.

Every identity has an `identities(name, user_id)` row; a user's id is the hash of its kept
identity (numeric first, then lowest), so whichever worker merges, the result is the same.
Merging locks every identity row of both users (FOR UPDATE) and re-points past rows in the same
transaction; resolving takes shared locks, so no batch can write rows for a user being merged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import IntegrityError, execute, fetchall
from kmdb.dealias.ids import name_id, preference


class HashCollision(RuntimeError):
    """Two different names hash to the same id (astronomically unlikely; never silently merged)."""


# With more than eq_range_index_dive_limit (200) ids in the IN list, MariaDB estimates the range
# from statistics, finds it as costly as reading the whole (partitioned) table, and scans all of
# it for every merge: the index is forced so each id costs one dive per partition instead.
USER_INDEX = {
    "identities": "index_identities_on_user_id",
    "events": "index_events_on_user_id_and_t",
    "properties": "index_properties_on_user_id_and_t",
}


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


async def create_identities(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """Creates identities never seen before, each its own user; returns their user ids.

    A concurrent batch creating the same name makes this fail with a duplicate key, which the
    writer retries (the retry finds the name); a users row already holding a new name's id is
    a hash collision, refused rather than merged.
    """
    fresh = sorted(set(names))
    if not fresh:
        return {}
    ids = {n: name_id(n) for n in fresh}
    rows = _marks(len(fresh)).replace("%s", "(%s, %s)")
    await execute(
        conn,
        f"INSERT INTO identities (name, user_id) VALUES {rows}",
        [v for n in fresh for v in (n, ids[n])],
    )
    try:
        await execute(
            conn,
            f"INSERT INTO users (id, name) VALUES {rows}",
            [v for n in fresh for v in (ids[n], n)],
        )
    except IntegrityError as exc:
        raise HashCollision(f"a new user name's id is taken: {exc}") from None
    return ids


@dataclass
class Merged:
    """What a batch's merges did: {old user id: kept user id}, and past rows re-pointed."""

    repoint: dict[int, int] = field(default_factory=dict)
    rows_moved: int = 0


async def merge_aliases(conn: Connection, pairs: list[tuple[str, str]]) -> Merged:
    """Merges the users of each alias pair, re-pointing their past rows."""
    if not pairs:
        return Merged()
    names = sorted({n for pair in pairs for n in pair})
    person = dict(
        await fetchall(
            conn,
            f"SELECT name, user_id FROM identities WHERE name IN ({_marks(len(names))})"
            " ORDER BY name FOR UPDATE",
            names,
        )
    )
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            nxt = parent.get(x, x)
            parent[x] = root
            x = nxt
        return root

    for a, b in pairs:
        ra, rb = find(person[a]), find(person[b])
        if ra != rb:
            parent[ra] = rb
    components: dict[int, list[int]] = {}
    for uid in set(person.values()):
        components.setdefault(find(uid), []).append(uid)
    involved = sorted(u for members in components.values() if len(members) > 1 for u in members)
    if not involved:
        return Merged()
    kept = dict(
        await fetchall(
            conn,
            f"SELECT id, name FROM users WHERE id IN ({_marks(len(involved))}) ORDER BY id FOR UPDATE",
            involved,
        )
    )
    repoint: dict[int, int] = {}
    for members in components.values():
        if len(members) < 2:
            continue
        keep = min(members, key=lambda u: preference(kept[u]))
        repoint.update({u: keep for u in members if u != keep})
    await fetchall(
        conn,
        f"SELECT name FROM identities FORCE INDEX ({USER_INDEX['identities']})"
        f" WHERE user_id IN ({_marks(len(involved))})"
        " ORDER BY name FOR UPDATE",
        involved,
    )
    olds = sorted(repoint)
    case = "CASE user_id " + " ".join(["WHEN %s THEN %s"] * len(olds)) + " END"
    case_args = [v for old in olds for v in (old, repoint[old])]
    where = f"user_id IN ({_marks(len(olds))})"
    merged = Merged(repoint)
    for table in ("identities", "events", "properties"):
        moved = await execute(
            conn,
            f"UPDATE {table} FORCE INDEX ({USER_INDEX[table]}) SET user_id = {case} WHERE {where}",
            case_args + olds,
        )
        merged.rows_moved += moved if table != "identities" else 0
    await execute(conn, f"DELETE FROM users WHERE id IN ({_marks(len(olds))})", olds)
    return merged


async def resolve(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """name -> user id for every existing identity among names, under shared locks."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = await fetchall(
        conn,
        f"SELECT name, user_id FROM identities WHERE name IN ({_marks(len(wanted))})"
        " ORDER BY name LOCK IN SHARE MODE",
        wanted,
    )
    return dict(rows)
