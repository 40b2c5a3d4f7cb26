"""A batch's identity locks: every identity it uses, exclusive, in one global order.

A batch first locks every identity it uses (exclusive, sorted by name, one statement),
including the other identities of the users it merges, then creates the new ones and merges
(merges.py), re-pointing past rows in the same transaction: no batch can write rows for a user
being merged, and two batches wait for each other in one global order instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable

from asyncmy.connection import Connection

from kmdb.db import fetchall
from kmdb.dealias.groups import existing_merged
from kmdb.dealias.store import identities_of, marks


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
            f"SELECT name, user_id FROM identities WHERE name IN ({marks(len(wanted))})",
            sorted(wanted),
        )
    )
    locking = wanted | await identities_of(conn, existing_merged(seen, pairs))
    while True:
        ordered = sorted(locking)
        person = dict(
            await fetchall(
                conn,
                f"SELECT name, user_id FROM identities WHERE name IN ({marks(len(ordered))})"
                " ORDER BY name FOR UPDATE",
                ordered,
            )
        )
        more = await identities_of(conn, existing_merged(person, pairs)) - locking
        if not more:
            return person, frozenset(locking)
        locking |= more
        await conn.rollback()
        await conn.begin()
