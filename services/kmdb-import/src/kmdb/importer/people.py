"""A file's identities resolved once, before its rows.

A first pass over the rest of the file (streamed from the checkpoint, its batches spooled to
a local temporary file) gives every person the file writes rows for and every alias pair it
holds. One transaction then locks the identities its merges change (exclusively, in the one
global order), creates the new ones and merges along all the pairs at once; the file's other
people are not locked, so the previous file's batches, loading meanwhile, wait only for the
identities merged, and only for as long as the merge takes: the rows of earlier files that the
merges re-point move in a second transaction, after the first committed (dealias/moves.py). The
batches that follow only read their people's users under shared locks (writer.read_people)
and load rows with their final users: no batch re-points rows an earlier batch of the same file
wrote, and consecutive batches, no longer waiting for each other's identity locks, overlap.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import execute, roll_back_after
from kmdb.dealias.moves import move_pending_rows
from kmdb.importer.batches import Batch
from kmdb.importer.writer import BatchResult, FileJob, resolve_people


@dataclass
class FilePeople:
    """The persons a file's lines write rows for, and its alias pairs (kept identity first)."""

    persons: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)


class Spool:
    """A file's batches kept on local disk between the two passes, so that the file is read
    (from S3) and parsed once: the first pass writes each batch here as it collects its people,
    the second reads them back one at a time (memory holds one batch, whatever the file size).
    The file is unnamed (deleted on close) and read only by the process that wrote it."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="kmdb-batches-")  # noqa: SIM115 - close()

    def add(self, batch: Batch) -> None:
        pickle.dump(batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)

    async def batches(self) -> AsyncIterator[Batch]:
        """The batches written, in order."""
        self.file.seek(0)
        while True:
            try:
                batch = pickle.load(self.file)
            except EOFError:
                return
            yield batch

    def close(self) -> None:
        self.file.close()


async def collect_people(batches: AsyncIterator[Batch], spool: Spool) -> FilePeople:
    """The people of a stream of batches (the same Batcher as the import's, so the same ones);
    each batch goes to the spool for the second pass."""
    people = FilePeople()
    try:
        async for batch in batches:
            people.persons |= batch.persons
            people.pairs.update((a, b) for _, a, b, _ in batch.aliases)
            spool.add(batch)
    finally:
        await batches.aclose()  # type: ignore[attr-defined]
    return people


async def resolve_file_people(conn: Connection, job: FileJob, people: FilePeople) -> BatchResult:
    """One transaction for the file's identities and merges, then another for the rows of
    earlier files that the merges re-point (and any move left pending by a crash).

    Re-run on a retry or a resumed file it finds the work done and changes nothing. Adds the
    rows it re-pointed to the file's `rows_moved`.
    """
    result = BatchResult()
    if people.persons:
        await conn.begin()
        try:
            # Users created here have no rows yet: only the others' rows are looked for, and
            # recorded as pending moves, moved once the merges committed (dealias/moves.py).
            await resolve_people(
                conn, job, people.persons, sorted(people.pairs), result, past_only=True
            )
            await conn.commit()
        except BaseException as exc:
            await roll_back_after(conn, exc)
            raise
    result.rows_moved = await move_pending_rows(conn, job.ignored_users)
    if result.rows_moved:
        await execute(
            conn,
            "UPDATE dumpfiles SET rows_moved = rows_moved + %s"
            " WHERE revision = %s AND generation = %s",
            (result.rows_moved, job.revision, job.generation),
        )
    return result
