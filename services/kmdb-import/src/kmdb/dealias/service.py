"""Identities -> users inside a batch's transaction: lock, create, merge along aliases.

Every identity has an `identities(name, user_id)` row; a user's id is the hash of its kept
identity (numeric first, then lowest), so whichever worker merges, the result is the same.
A batch first locks every identity it uses (lock_identities: exclusive, sorted by name, one
statement), including the other identities of the users it merges, then creates the new ones and
merges, re-pointing past rows in the same transaction: no batch can write rows for a user being
merged, and two batches wait for each other in one global order instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import IntegrityError, RaceLost, execute, fetchall
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


def _merged_users(person: dict[str, int], pairs: list[tuple[str, str]]) -> list[list[int]]:
    """The groups of users the alias pairs join (each of two users or more)."""
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

    # A name without an identity yet is its own new user (create_identities gives it that id).
    of = {n: person[n] if n in person else name_id(n) for pair in pairs for n in pair}
    for a, b in pairs:
        ra, rb = find(of[a]), find(of[b])
        if ra != rb:
            parent[ra] = rb
    components: dict[int, list[int]] = {}
    for uid in set(of.values()):
        components.setdefault(find(uid), []).append(uid)
    return [sorted(members) for members in components.values() if len(members) > 1]


async def _identities_of(conn: Connection, users: list[int]) -> set[str]:
    """Every identity of those users (a plain read, no lock)."""
    if not users:
        return set()
    rows = await fetchall(
        conn,
        f"SELECT name FROM identities FORCE INDEX ({USER_INDEX['identities']})"
        f" WHERE user_id IN ({_marks(len(users))})",
        users,
    )
    return {name for (name,) in rows}


async def lock_identities(
    conn: Connection, names: Iterable[str], pairs: list[tuple[str, str]]
) -> tuple[dict[str, int], frozenset[str]]:
    """Locks, up front and in one global order (by name, one statement), every identity a
    batch uses: its names, and the other identities of the users its aliases will merge.

    Called first in the batch's transaction. Returns name -> user id of the existing ones, and
    the set of names locked. Every lock is exclusive: a shared lock upgraded later for a merge
    is what deadlocked two workers. A plain read first finds the merged users' other identities;
    if, under the locks, those users have one more (merged in by a batch that committed
    meanwhile), the transaction is rolled back and the larger set locked again, still in order.
    """
    wanted = set(names)
    for pair in pairs:
        wanted.update(pair)
    if not wanted:
        return {}, frozenset()
    seen = dict(
        await fetchall(
            conn,
            f"SELECT name, user_id FROM identities WHERE name IN ({_marks(len(wanted))})",
            sorted(wanted),
        )
    )
    locking = wanted | await _identities_of(conn, _existing_merged(seen, pairs))
    while True:
        ordered = sorted(locking)
        person = dict(
            await fetchall(
                conn,
                f"SELECT name, user_id FROM identities WHERE name IN ({_marks(len(ordered))})"
                " ORDER BY name FOR UPDATE",
                ordered,
            )
        )
        more = await _identities_of(conn, _existing_merged(person, pairs)) - locking
        if not more:
            return person, frozenset(locking)
        locking |= more
        await conn.rollback()
        await conn.begin()


def _existing_merged(person: dict[str, int], pairs: list[tuple[str, str]]) -> list[int]:
    """The users (with an identity already) that the pairs merge with another."""
    existing = set(person.values())
    return sorted(u for group in _merged_users(person, pairs) for u in group if u in existing)


async def merge_aliases(
    conn: Connection, pairs: list[tuple[str, str]], person: dict[str, int], locked: frozenset[str]
) -> Merged:
    """Merges the users of each alias pair, re-pointing their past rows.

    `person` maps every name of the pairs to its user, read under the locks of
    lock_identities (`locked`), which must cover every identity of the users merged.
    """
    if not pairs:
        return Merged()
    groups = _merged_users(person, pairs)
    involved = sorted(u for group in groups for u in group)
    if not involved:
        return Merged()
    if not await _identities_of(conn, involved) <= locked:
        raise RaceLost("an identity was merged into a user of this batch meanwhile")
    kept = dict(
        await fetchall(
            conn,
            f"SELECT id, name FROM users WHERE id IN ({_marks(len(involved))}) ORDER BY id FOR UPDATE",
            involved,
        )
    )
    repoint: dict[int, int] = {}
    for members in groups:
        keep = min(members, key=lambda u: preference(kept[u]))
        repoint.update({u: keep for u in members if u != keep})
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
