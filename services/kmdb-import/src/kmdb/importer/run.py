"""Imports (a slice of) one revision file: stream from the checkpoint, batch, write, repeat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from asyncmy.connection import Connection

from kmdb.db import execute, fetchall, with_retries
from kmdb.importer.batches import Batch, Batcher
from kmdb.importer.filters import load_filters
from kmdb.importer.writer import BatchResult, FileJob, Superseded, write_batch
from kmdb.settings import Settings
from kmdb.sources.base import Source, split_lines

log = logging.getLogger("kmdb.importer")


@dataclass
class Outcome:
    """How a job's slice of a file ended: done, continue (time is up), superseded or skipped."""

    status: str
    batches: int = 0
    lines: int = 0
    totals: BatchResult = field(default_factory=BatchResult)


class Writer:
    """Owns the job's MySQL connection; reconnects and retries a batch on transient errors."""

    def __init__(self, settings: Settings, connect: Callable, conn: Connection, deadline: float):
        self.settings, self.connect, self.conn, self.deadline = settings, connect, conn, deadline

    async def _reconnect(self, _: BaseException) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.conn = await self.connect()

    async def write(self, job: FileJob, batch: Batch) -> BatchResult | None:
        """Writes one batch, pausing through MySQL outages until the job's deadline."""
        return await with_retries(
            lambda: write_batch(self.conn, job, batch),
            what=f"revision {job.revision} lines {batch.first_line}-{batch.last_line}",
            deadline=self.deadline,
            on_retry=self._reconnect,
        )


async def _claim(conn: Connection, revision: int, generation: int, job_id: str) -> tuple | None:
    """The file's (source, line, offset, status) if this generation still owns it."""
    rows = await fetchall(
        conn,
        "SELECT source, line, `offset`, status, generation FROM dumpfiles WHERE revision = %s",
        (revision,),
    )
    if not rows or rows[0][4] != generation:
        return None
    if rows[0][3] != "done":
        await execute(
            conn,
            "UPDATE dumpfiles SET status = 'running', job_id = %s,"
            " started_at = COALESCE(started_at, NOW(6)) WHERE revision = %s AND generation = %s",
            (job_id, revision, generation),
        )
    return rows[0][:4]


async def _finish(conn: Connection, job: FileJob, line: int, offset: int) -> bool:
    """Marks the file done if this generation still owns it at that checkpoint."""
    count = await execute(
        conn,
        "UPDATE dumpfiles SET status = 'done', finished_at = NOW(6), error = NULL,"
        " `length` = GREATEST(COALESCE(`length`, 0), `offset`)"
        " WHERE revision = %s AND generation = %s AND line = %s AND `offset` = %s",
        (job.revision, job.generation, line, offset),
    )
    return count == 1


async def import_slice(
    settings: Settings,
    connect: Callable,
    open_source: Callable[[str], Source],
    revision: int,
    generation: int,
    job_id: str,
    *,
    slice_seconds: float,
    on_batch: Callable[[Batch, BatchResult], None] | None = None,
) -> Outcome:
    """Imports revision from its checkpoint until the end of the file or slice_seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    conn = await connect()
    writer = Writer(settings, connect, conn, started + settings.job_timeout * 0.9)
    try:
        claim = await _claim(conn, revision, generation, job_id)
        if claim is None:
            return Outcome("superseded")
        source_url, line, offset, status = claim
        if status == "done":
            return Outcome("skipped")
        filters = await load_filters(conn)
        job = FileJob(revision, generation, ignored_users=filters.ignored_users)
        source = open_source(source_url)
        batcher = Batcher(revision, settings.batch_size, filters)
        stream = batcher.batches(split_lines(source.chunks(revision, offset)), line + 1, offset)
        outcome = Outcome("continue")
        pending: asyncio.Task | None = None
        last: Batch | None = None

        async def settle() -> None:
            nonlocal pending
            if pending is None:
                return
            task, pending = pending, None
            result = await task
            assert last is not None
            outcome.batches += 1
            outcome.lines += last.lines
            if result is not None:
                t = outcome.totals
                t.events += result.events
                t.properties += result.properties
                t.aliases += result.aliases
                t.skipped += result.skipped
                t.bad_lines += result.bad_lines
                if on_batch:
                    on_batch(last, result)

        try:
            async for batch in stream:
                await settle()  # the previous batch commits while this one was parsed
                if loop.time() - started > slice_seconds:
                    return outcome
                last, pending = batch, asyncio.create_task(writer.write(job, batch))
                line, offset = batch.last_line, batch.end_offset
            await settle()
        finally:
            if pending is not None:
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
            await stream.aclose()  # type: ignore[attr-defined]
        done = await with_retries(
            lambda: _finish(writer.conn, job, line, offset),
            what=f"finishing revision {revision}",
            deadline=writer.deadline,
            on_retry=writer._reconnect,
        )
        outcome.status = "done" if done else "superseded"
        return outcome
    except Superseded as exc:
        log.info("%s", exc)
        return Outcome("superseded")
    finally:
        writer.conn.close()
