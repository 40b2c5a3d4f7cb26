"""A file's people resolved once, before its rows (importer/people.py), and what another worker
merges meanwhile: applied to the file's rows whether it commits before or during a batch."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asyncmy.connection import Connection
from kmdb.db import connection, execute, fetchall
from kmdb.dealias.ids import name_id
from kmdb.dealias.moves import move_rows
from kmdb.filters.store import load_filters
from kmdb.importer.batches import Batch, Batcher
from kmdb.importer.people import Spool, collect_people, resolve_file_people
from kmdb.importer.writer import (
    NOT_RESOLVED,
    BatchResult,
    FileJob,
    Gate,
    resolve_people,
    write_batch,
)
from kmdb.settings import Settings
from kmdb.sources.base import split_lines
from kmdb.sources.open import open_source

T0 = 1_400_000_000


def ev(who: str, seq: int) -> dict[str, Any]:
    return {"_p": who, "_t": T0 + seq, "_n": "Visited Site", "seq": str(seq)}


def al(a: str, b: str, seq: int) -> dict[str, Any]:
    return {"_p": a, "_t": T0 + seq, "_p2": b}


async def users_of_events(conn: Connection, revision: int) -> set[int]:
    low, high = revision << 40, (revision + 1) << 40
    rows = await fetchall(
        conn, "SELECT DISTINCT user_id FROM events WHERE id >= %s AND id < %s", (low, high)
    )
    return {uid for (uid,) in rows}


async def test_rows_of_the_file_itself_are_never_re_pointed(
    settings, conn, arq, export, kit: Any, caplog: pytest.LogCaptureFixture
):
    # File 1 aliases anon-a to 42 only in its last line, after 100 events in several batches:
    # resolved up front, those events are loaded with 42's user, none is moved afterwards.
    # File 2 aliases b (whose events file 1 wrote) to 7: those rows are moved at most once.
    first = [ev("anon-a", i) for i in range(100)] + [ev("b", 100), al("anon-a", "42", 101)]
    second = [ev("b", 200), al("b", "7", 201), ev("7", 202)]
    url = export({1: first, 2: second})
    await kit.enqueue(conn, arq, settings, url, min_revision=1)
    with caplog.at_level("WARNING", logger="kmdb"):
        assert await kit.work(settings) == 0
    assert [r for r in caplog.records if NOT_RESOLVED in r.getMessage()] == []
    moved = await fetchall(conn, "SELECT revision, rows_moved FROM dumpfiles ORDER BY revision")
    # File 2 moves b's event of file 1 and its seq property, unless the worker resolved file 2
    # (its next job) before file 1 loaded them: then they were loaded with 7's user.
    assert moved[0] == (1, 0) and moved[1] in ((2, 2), (2, 0))
    assert await users_of_events(conn, 1) == {name_id("42"), name_id("7")}
    assert await users_of_events(conn, 2) == {name_id("7")}


async def prepared_file(
    conn: Connection, arq: Any, settings: Settings, url: str, kit: Any, revision: int
) -> tuple[FileJob, list[Batch]]:
    """The file's row (discovery), its people resolved up front, and its batches."""
    await kit.enqueue(conn, arq, settings, url, min_revision=revision)
    generation = (
        await fetchall(conn, "SELECT generation FROM dumpfiles WHERE revision = %s", (revision,))
    )[0][0]
    filters = await load_filters(conn)
    job = FileJob(revision, generation, ignored_users=filters.ignored_users)

    def stream() -> Any:
        chunks = open_source(url, None).chunks(revision, 0)
        return Batcher(revision, settings.batch_size, filters).batches(split_lines(chunks), 1, 0)

    spool = Spool()
    try:
        resolved = await resolve_file_people(conn, job, await collect_people(stream(), spool))
        assert resolved.merged_users == 0
        job.prepared = True
        batches = [b async for b in spool.batches()]
    finally:
        spool.close()
    assert [(b.first_line, b.last_line) for b in batches] == [
        (b.first_line, b.last_line) async for b in stream()
    ]
    return job, batches


async def other_worker_merges(settings: Settings, a: str, b: str) -> None:
    """Another worker's batch merging a and b (an alias pair of another file), committed."""
    async with connection(settings) as other:
        await other.begin()
        await resolve_people(other, FileJob(999, 1), {a, b}, [(a, b)], BatchResult())
        await other.commit()


async def test_a_merge_committed_after_the_file_was_resolved_is_followed(
    settings, conn, arq, export, kit: Any, caplog: pytest.LogCaptureFixture
):
    url = export({1: [ev("anon-a", i) for i in range(120)]})
    job, batches = await prepared_file(conn, arq, settings, url, kit, 1)
    assert len(batches) >= 2
    async with connection(settings, local_infile=True) as writer:
        with caplog.at_level("WARNING", logger="kmdb"):
            await write_batch(writer, job, batches[0])
            await other_worker_merges(settings, "42", "anon-a")
            for batch in batches[1:]:
                await write_batch(writer, job, batch)
    assert [r for r in caplog.records if NOT_RESOLVED in r.getMessage()] == []
    assert await users_of_events(conn, 1) == {name_id("42")}
    assert await kit.count(conn, "events") == 120


async def waits_for_a_lock(conn: Connection, thread_id: int) -> str | None:
    """The statement that connection's transaction waits in for a row lock, if it waits
    (InnoDB's own report: information_schema.INNODB_TRX does not always say LOCK WAIT on
    MariaDB)."""
    status = (await fetchall(conn, "SHOW ENGINE INNODB STATUS"))[0][2]
    for block in status.split("---TRANSACTION ")[1:]:
        if re.search(rf"(MariaDB|MySQL) thread id {thread_id},", block):
            return block if "LOCK WAIT" in block else None
    return None


async def waits_at_identity_locks(conn: Connection, thread_id: int) -> bool:
    """Whether that connection's transaction waits for an identity's row lock."""
    block = await waits_for_a_lock(conn, thread_id)
    return block is not None and "FROM identities" in block


async def never_waiting(
    conn: Connection,
    thread: int,
    write: Awaitable[BatchResult | None],
    waits: Callable[[Connection, int], Awaitable[object]],
    what: str,
) -> BatchResult | None:
    """A batch's write awaited while checking, every 50 ms, that its connection (`thread`)
    never waits as `waits` tells; it must commit within 30 s."""
    task = asyncio.ensure_future(write)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not task.done():
        assert not await waits(conn, thread), f"{what} waited"
        assert loop.time() < deadline, f"{what} never committed"
        await asyncio.sleep(0.05)
    return await task


async def test_a_merge_during_a_batch_waits_for_it_and_moves_its_rows(
    settings, conn, arq, export, kit: Any
):
    url = export({1: [ev("anon-a", i) for i in range(120)]})
    job, batches = await prepared_file(conn, arq, settings, url, kit, 1)
    async with (
        connection(settings, local_infile=True) as writer,
        connection(settings) as other,
    ):
        # The batch reads its people under shared locks, loads its rows, then waits (for the
        # batch before it, here held back) to commit.
        before = Gate()
        before.ok(before.identities_done)
        gate = Gate(before)
        batch = asyncio.create_task(write_batch(writer, job, batches[0], gate))
        await gate.identities_done
        thread = (await fetchall(other, "SELECT CONNECTION_ID()"))[0][0]
        await other.begin()
        merge = asyncio.create_task(
            resolve_people(
                other, FileJob(999, 1), {"42", "anon-a"}, [("42", "anon-a")], BatchResult()
            )
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not await waits_at_identity_locks(conn, thread):
            assert not merge.done(), "the merge did not wait for the batch's locks"
            assert loop.time() < deadline, "the merge never waited at the identity locks"
            await asyncio.sleep(0.05)
        before.ok(before.committed)
        assert await batch is not None
        await merge
        await other.commit()
    assert await users_of_events(conn, 1) == {name_id("42")}


async def test_the_next_files_identities_hold_up_a_batch_only_where_they_merge(
    settings, conn, arq, export, kit: Any
):
    # While file 1's rows load, the next file's identity transaction is open: it has anon-a,
    # unchanged, and merges b into 7. A batch of anon-a's rows goes on; b's batch waits for the
    # merge to commit, then loads b's rows with 7's user.
    lines = [ev("anon-a", i) for i in range(100)] + [ev("b", i) for i in range(100, 150)]
    job, batches = await prepared_file(conn, arq, settings, export({1: lines}), kit, 1)
    assert [b.persons for b in batches] == [{"anon-a"}, {"anon-a"}, {"b"}]
    async with (
        connection(settings, local_infile=True) as writer,
        connection(settings) as other,
    ):
        thread = (await fetchall(writer, "SELECT CONNECTION_ID()"))[0][0]
        await other.begin()
        await resolve_people(
            other,
            FileJob(2, 1),
            {"anon-a", "b", "7", "c"},
            [("7", "b")],
            BatchResult(),
            past_only=True,
        )
        for batch in batches[:2]:
            write = write_batch(writer, job, batch)
            written = await never_waiting(
                conn, thread, write, waits_at_identity_locks, "anon-a's batch"
            )
            assert written is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        merged = asyncio.create_task(write_batch(writer, job, batches[2]))
        while not await waits_at_identity_locks(conn, thread):
            assert not merged.done(), "b's batch did not wait for the merge"
            assert loop.time() < deadline, "b's batch never waited at the identity locks"
            await asyncio.sleep(0.05)
        await other.commit()
        assert await merged is not None
    assert await users_of_events(conn, 1) == {name_id("anon-a"), name_id("7")}


async def test_batches_loading_beside_a_move_do_not_wait_for_it(
    settings, conn, arq, export, kit: Any
):
    # v1's past rows are being moved to amy's user, uncommitted, while the next file loads
    # rows of a person whose user id sorts right after v1's: the move locks the rows it moves
    # and no gap of the user index (READ COMMITTED), so the batch goes on.
    await kit.enqueue(conn, arq, settings, export({1: [ev("v1", 1), ev("v1", 2)]}))
    assert await kit.work(settings) == 0
    old, kept = name_id("v1"), name_id("amy")
    beside = next(
        f"p{i}" for i in range(1000) if old < name_id(f"p{i}") < (kept if kept > old else 2**63)
    )
    url = export({2: [ev(beside, i) for i in range(3, 30)]})
    job, batches = await prepared_file(conn, arq, settings, url, kit, 2)
    async with (
        connection(settings, local_infile=True) as writer,
        connection(settings) as mover,
    ):
        thread = (await fetchall(writer, "SELECT CONNECTION_ID()"))[0][0]
        await execute(mover, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        await mover.begin()
        for table in ("events", "properties"):
            assert await move_rows(mover, table, {old: kept}) == 2
        for batch in batches:
            write = write_batch(writer, job, batch)
            written = await never_waiting(conn, thread, write, waits_for_a_lock, "the batch")
            assert written is not None
        await mover.commit()
    assert await users_of_events(conn, 1) == {kept}
    assert await users_of_events(conn, 2) == {name_id(beside)}
