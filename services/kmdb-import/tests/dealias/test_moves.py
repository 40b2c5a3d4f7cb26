"""Past rows of merged users moved after the merge committed (dealias/moves.py): to the user
their identity has when they move, dropped if that user is ignored, and done by the next file
when a crash left them pending."""

from __future__ import annotations

from typing import Any

from asyncmy.connection import Connection
from kmdb.db import fetchall
from kmdb.dealias.ids import name_id
from kmdb.dealias.moves import move_pending_rows
from kmdb.importer.writer import BatchResult, FileJob, resolve_people

T0 = 1_400_000_000


def ev(who: str, seq: int) -> dict[str, Any]:
    return {"_p": who, "_t": T0 + seq, "_n": "Visited Site", "seq": str(seq)}


async def imported(conn, arq, settings, export, kit, files) -> None:
    await kit.enqueue(conn, arq, settings, export(files), min_revision=min(files))
    assert await kit.work(settings) == 0


async def merge_file_people(
    conn: Connection, names: set[str], pair: tuple[str, str], ignored: frozenset[str] = frozenset()
) -> None:
    """A file's identity transaction (its people resolved before its rows), committed."""
    await conn.begin()
    job = FileJob(99, 1, ignored_users=ignored)
    await resolve_people(conn, job, names, [pair], BatchResult(), past_only=True)
    await conn.commit()


async def row_users(conn: Connection) -> set[int]:
    rows = await fetchall(conn, "SELECT user_id FROM events UNION SELECT user_id FROM properties")
    return {uid for (uid,) in rows}


async def test_past_rows_stay_until_moved_then_go_to_the_latest_merge(
    settings, conn, arq, export, kit: Any
):
    await imported(conn, arq, settings, export, kit, {1: [ev("v1", 1), ev("v1", 2)]})
    await merge_file_people(conn, {"v1", "amy"}, ("v1", "amy"))
    # Merged, not moved: v1's identity is amy's user, its rows (and its user) wait.
    assert await fetchall(conn, "SELECT old_user, name FROM pending_moves") == [
        (name_id("v1"), "v1")
    ]
    assert await fetchall(conn, "SELECT user_id FROM identities WHERE name = 'v1'") == [
        (name_id("amy"),)
    ]
    assert await row_users(conn) == {name_id("v1")}
    # A later merge before the move: the rows go where v1's identity is then.
    await merge_file_people(conn, {"amy", "42"}, ("amy", "42"))
    assert await move_pending_rows(conn) == 4  # two events, two seq properties
    assert await row_users(conn) == {name_id("42")}
    assert await fetchall(conn, "SELECT name FROM users") == [("42",)]
    assert await kit.count(conn, "pending_moves") == 0
    assert await move_pending_rows(conn) == 0


async def test_rows_merged_into_an_ignored_user_are_dropped_when_moved(
    settings, conn, arq, export, kit: Any
):
    await imported(conn, arq, settings, export, kit, {1: [ev("v1", 1), ev("v2", 2)]})
    await merge_file_people(conn, {"v1", "bot"}, ("v1", "bot"), frozenset({"bot"}))
    assert await move_pending_rows(conn, ["bot"]) == 0
    assert await row_users(conn) == {name_id("v2")}
    assert await kit.count(conn, "pending_moves") == 0


async def test_a_move_a_crash_left_pending_is_done_by_the_next_file(
    settings, conn, arq, export, kit: Any
):
    await imported(conn, arq, settings, export, kit, {1: [ev("v1", 1), ev("v1", 2)]})
    await merge_file_people(conn, {"v1", "amy"}, ("v1", "amy"))  # and no move: a crash
    await imported(conn, arq, settings, export, kit, {2: [ev("zed", 3)]})
    assert await row_users(conn) == {name_id("amy"), name_id("zed")}
    assert await kit.count(conn, "pending_moves") == 0
    assert await fetchall(conn, "SELECT rows_moved FROM dumpfiles WHERE revision = 2") == [(4,)]
