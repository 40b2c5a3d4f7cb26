"""The identities and users tables: reads by user, and new identities."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal, TypeVar

from asyncmy.connection import Connection

from kmdb.db import IntegrityError, execute, fetchall
from kmdb.dealias.ids import name_id

T = TypeVar("T")


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


# Names or ids per statement when a whole file's are at stake (a file may have tens of thousands).
CHUNK = 5000


def chunks(items: list[T]) -> Iterator[list[T]]:
    """items in consecutive slices of at most CHUNK (kept in order: locks stay in one order)."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def marks(n: int) -> str:
    """n placeholders for an IN list."""
    return ", ".join(["%s"] * n)


async def identities_of(conn: Connection, users: list[int]) -> set[str]:
    """Every identity of those users (a plain read, no lock)."""
    if not users:
        return set()
    names: set[str] = set()
    for part in chunks(users):
        rows = await fetchall(
            conn,
            f"SELECT name FROM identities FORCE INDEX ({USER_INDEX['identities']})"
            f" WHERE user_id IN ({marks(len(part))})",
            part,
        )
        names.update(name for (name,) in rows)
    return names


async def users_by_name(
    conn: Connection,
    names: Iterable[str],
    lock: Literal["", "FOR UPDATE", "LOCK IN SHARE MODE"] = "",
) -> dict[str, int]:
    """name -> user id of those names that have an identity, CHUNK names a statement in name
    order. `lock`: "" for a plain read, else "FOR UPDATE" or "LOCK IN SHARE MODE", each row
    locked in name order (the slices too: one global order)."""
    order = f" ORDER BY name {lock}" if lock else ""
    users: dict[str, int] = {}
    for part in chunks(sorted(names)):
        users.update(
            await fetchall(
                conn,
                f"SELECT name, user_id FROM identities WHERE name IN ({marks(len(part))}){order}",
                part,
            )
        )
    return users


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
    for part in chunks(fresh):
        rows = marks(len(part)).replace("%s", "(%s, %s)")
        await execute(
            conn,
            f"INSERT INTO identities (name, user_id) VALUES {rows}",
            [v for n in part for v in (n, ids[n])],
        )
        try:
            await execute(
                conn,
                f"INSERT INTO users (id, name) VALUES {rows}",
                [v for n in part for v in (ids[n], n)],
            )
        except IntegrityError as exc:
            raise HashCollision(f"a new user name's id is taken: {exc}") from None
    return ids
