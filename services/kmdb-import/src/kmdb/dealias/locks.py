"""A batch's identity locks: every identity it uses, exclusive, in one global order.

A batch first locks every identity it uses (exclusive, sorted by name, one statement),
including the other identities of the users it merges, then creates the new ones and merges
(merges.py), re-pointing past rows in the same transaction: no batch can write rows for a user
being merged, and two batches wait for each other in one global order instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterable

from asyncmy.connection import Connection

from kmdb.dealias.groups import existing_merged
from kmdb.dealias.store import identities_of, users_by_name


async def lock_identities(
    conn: Connection, names: Iterable[str], pairs: list[tuple[str, str]]
) -> dict[str, int]:
    """Locks, up front and in one global order (by name, one statement), every identity a
    batch uses: its names, and the other identities of the users its aliases will merge.

    Called first in the batch's transaction. Returns name -> user id of the existing ones. The
    names locked cover every identity of the users the pairs merge (checked under the locks,
    so merges.py need not read them again). Every lock is exclusive: a shared lock upgraded
    later for a merge is what deadlocked two workers. A plain read of the pairs' names first
    finds the merged users' other identities; if, under the locks, those users have one more
    (merged in by a batch that committed meanwhile), the transaction is rolled back and the
    larger set locked again, still in order.
    """
    wanted = set(names)
    paired = {name for pair in pairs for name in pair}
    wanted |= paired
    if not wanted:
        return {}
    # Only the names of alias pairs decide which users merge: the plain read looks at those
    # alone (a batch's pairs are a few hundred of its thousands of names), and none at all
    # when the batch has no alias.
    seen = await users_by_name(conn, paired)
    locking = wanted | await identities_of(conn, existing_merged(seen, pairs))
    while True:
        person = await users_by_name(conn, locking, "FOR UPDATE")
        more = await identities_of(conn, existing_merged(person, pairs)) - locking
        if not more:
            return person
        locking |= more
        await conn.rollback()
        await conn.begin()
