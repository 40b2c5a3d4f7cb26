"""Past rows of merged users, re-pointed after the merge committed (pending_moves).

A file's identity transaction (importer/people.py) merges users under exclusive identity locks,
which the previous file's batches, loading meanwhile, wait for. Re-pointing the merged users'
past rows there held those locks for as long as the UPDATEs ran, stalling the loads. So that
transaction only records each old user in `pending_moves` (with its own identity's name), and
this second one moves the rows after it committed, holding no exclusive identity lock:

- No batch writes rows for an old user any more: every batch that read one under its shared
  identity locks committed before the merge could take them, and later ones read the new users.
- Each move locks its old user's identity shared while it runs, so the user its rows go to (that
  identity's user_id, which follows later merges too) cannot be merged away meanwhile.
- READ COMMITTED: the UPDATEs lock the rows they move and no gaps, so batches inserting rows
  beside them never wait.
- Idempotent: a move done is deleted with its rows moved; one left by a crash is done by the
  next identity transaction of any file (each runs every pending move).
"""

from __future__ import annotations

from collections.abc import Iterable

from asyncmy.connection import Connection

from kmdb.db import execute, fetchall, roll_back_after
from kmdb.dealias.store import CHUNK, USER_INDEX, chunks, marks, users_by_name

# Old users per re-pointing UPDATE: a CASE is evaluated WHEN by WHEN for each row.
REPOINT_SLICE = 500


async def record_moves(conn: Connection, olds: dict[int, str]) -> None:
    """Records {old user: its identity's name} as pending moves (in the merge's transaction)."""
    ids = sorted(olds)
    for part in chunks(ids):
        await execute(
            conn,
            "INSERT IGNORE INTO pending_moves (old_user, name) VALUES "
            + marks(len(part)).replace("%s", "(%s, %s)"),
            [v for old in part for v in (old, olds[old])],
        )


async def move_rows(conn: Connection, table: str, kept: dict[int, int]) -> int:
    """Moves the rows of each old user of `kept` in `table` to its kept user; how many moved."""
    moved = 0
    olds = sorted(kept)
    for part in (olds[i : i + REPOINT_SLICE] for i in range(0, len(olds), REPOINT_SLICE)):
        case = "CASE user_id " + " ".join(["WHEN %s THEN %s"] * len(part)) + " END"
        moved += await execute(
            conn,
            f"UPDATE {table} FORCE INDEX ({USER_INDEX[table]}) SET user_id = {case}"
            f" WHERE user_id IN ({marks(len(part))})",
            [v for old in part for v in (old, kept[old])] + part,
        )
    return moved


async def move_pending_rows(conn: Connection, ignored_users: Iterable[str] = ()) -> int:
    """Runs the pending moves, CHUNK old users a transaction in id order (those recorded
    meanwhile below the last id read wait for the next run); returns the event and property
    rows moved. Rows going to an ignored user are deleted instead."""
    moved = 0
    after: list[int] = []
    while True:
        pending = await fetchall(
            conn,
            "SELECT old_user, name FROM pending_moves"
            + (" WHERE old_user > %s" if after else "")
            + f" ORDER BY old_user LIMIT {CHUNK}",
            after or None,
        )
        if not pending:
            return moved
        after = [pending[-1][0]]
        moved += await _move(conn, dict(pending), ignored_users)


async def _move(conn: Connection, olds: dict[int, str], ignored_users: Iterable[str]) -> int:
    """One transaction: those old users' rows moved to their identities' users, then the old
    users and their pending moves deleted (those another worker moved meanwhile are skipped)."""
    await execute(conn, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    await conn.begin()
    try:
        ids = sorted(olds)
        rows = await fetchall(
            conn,
            f"SELECT old_user FROM pending_moves WHERE old_user IN ({marks(len(ids))})"
            " ORDER BY old_user FOR UPDATE",
            ids,
        )
        still = {old: olds[old] for (old,) in rows}
        users = await users_by_name(conn, still.values(), "LOCK IN SHARE MODE")
        ignored = set((await users_by_name(conn, ignored_users)).values())
        targets = {old: users[name] for old, name in still.items() if name in users}
        kept = {old: user for old, user in targets.items() if user not in ignored}
        dropped = sorted(targets.keys() - kept.keys())
        moved = 0
        for table in ("events", "properties"):
            moved += await move_rows(conn, table, kept)
            for part in chunks(dropped):  # merged into an ignored user: its rows go
                await execute(
                    conn, f"DELETE FROM {table} WHERE user_id IN ({marks(len(part))})", part
                )
        for table, column in (("users", "id"), ("pending_moves", "old_user")):
            for part in chunks(sorted(still)):
                await execute(
                    conn, f"DELETE FROM {table} WHERE {column} IN ({marks(len(part))})", part
                )
        await conn.commit()
    except BaseException as exc:
        await roll_back_after(conn, exc)
        raise
    return moved
