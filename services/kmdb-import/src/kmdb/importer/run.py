"""Imports (a slice of) one revision file: stream from the checkpoint, batch, write, repeat."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from asyncmy.connection import Connection

from kmdb.db import execute, fetchall, is_transient, with_retries
from kmdb.filters.store import Filters, load_filters
from kmdb.importer.batches import Batch, Batcher
from kmdb.importer.people import Spool, collect_people, resolve_file_people
from kmdb.importer.writer import BatchResult, FileJob, Gate, Superseded, write_batch
from kmdb.settings import Settings
from kmdb.sources.base import Source, split_lines

log = logging.getLogger("kmdb.importer")
T = TypeVar("T")


@dataclass
class Outcome:
    """How a job's slice of a file ended: done, continue (time is up), superseded or skipped."""

    status: str
    batches: int = 0
    lines: int = 0
    totals: BatchResult = field(default_factory=BatchResult)
    finished: bool = False  # the file's final batch committed, marking it done

    def add(
        self,
        committed: list[tuple[Batch, BatchResult | None]],
        on_batch: Callable[[Batch, BatchResult], None] | None = None,
    ) -> None:
        """Counts batches that committed (None: committed before, by a lost COMMIT reply)."""
        for batch, result in committed:
            self.batches += 1
            self.lines += batch.lines
            if result is None:
                continue
            self.finished |= batch.final
            t = self.totals
            t.events += result.events
            t.properties += result.properties
            t.aliases += result.aliases
            t.skipped += result.skipped
            t.bad_lines += result.bad_lines
            t.merged_users += result.merged_users
            t.rows_moved += result.rows_moved
            if on_batch:
                on_batch(batch, result)


class Turns:
    """A lock its takers get in the order they were announced (unannounced ones: first come,
    first served). The worker announces its jobs in the queue's order as it starts them, so of
    two jobs started together the earlier file is read and resolved first, whichever of them
    reaches the lock first: late aliases then re-point rows of earlier files, as in one pass
    over the export, not the other way round (which re-points more rows)."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.announced: list[str] = []
        self._moved = asyncio.Event()

    def announce(self, key: str) -> None:
        self.announced.append(key)

    def leave(self, key: str) -> None:
        """The key had its turn, or will not take it (its job ended): the next one goes."""
        if key in self.announced:
            self.announced.remove(key)
            self._moved.set()
            self._moved = asyncio.Event()

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        while key in self.announced and self.announced[0] != key:
            await self._moved.wait()
        async with self.lock:
            try:
                yield
            finally:
                self.leave(key)


@dataclass
class Stages:
    """A worker's two jobs as a pipeline: one reads its file and resolves its people (the first
    pass and the identity transaction) while the other loads its rows; each stage one job at a
    time, files entering it in queue order. A job without a worker's Stages has its own."""

    front: Turns = field(default_factory=Turns)
    load: asyncio.Lock = field(default_factory=asyncio.Lock)


class Writer:
    """Writes a file's batches on two connections, two batches in flight (see Gate), so one
    batch's identity work and rows overlap the previous one's load and commit. On a transient
    error it drops both transactions, reconnects, and writes the pending batches one by one,
    pausing through MySQL outages until the job's deadline."""

    def __init__(self, connect: Callable, conn: Connection, deadline: float):
        self.connect, self.deadline = connect, deadline
        self.job: FileJob | None = None
        self.conns: list[Connection | None] = [conn, None]
        self.inflight: deque[tuple[Batch, Gate, asyncio.Task]] = deque()
        self.turn = 0

    async def first(self) -> Connection:
        """The first connection (reconnected if it was lost), for the job's own statements."""
        return await self._conn(0)

    async def retried(self, action: Callable[[], Awaitable[T]], what: str) -> T:
        """Runs `action` until it succeeds, reconnecting after each transient error, until the
        job's deadline."""
        return await with_retries(action, what=what, deadline=self.deadline, on_retry=self._reset)

    async def _reset(self, _: BaseException | None = None) -> None:
        for i, conn in enumerate(self.conns):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            self.conns[i] = None
        with contextlib.suppress(Exception):
            self.conns[0] = await self.connect()

    async def _conn(self, i: int) -> Connection:
        conn = self.conns[i]
        if conn is None:
            conn = self.conns[i] = await self.connect()
        return conn

    async def submit(self, job: FileJob, batch: Batch) -> list[tuple[Batch, BatchResult | None]]:
        """Starts writing a batch; returns the batches that committed meanwhile, in order."""
        self.job = job
        done = await self._settle(keep=1)
        previous = self.inflight[-1][1] if self.inflight else None
        gate = Gate(previous)
        conn = await self._conn(self.turn)
        self.turn ^= 1
        task = asyncio.create_task(write_batch(conn, job, batch, gate))
        self.inflight.append((batch, gate, task))
        return done

    async def drain(self) -> list[tuple[Batch, BatchResult | None]]:
        """Waits for every batch in flight to commit."""
        return await self._settle(keep=0)

    async def _settle(self, keep: int) -> list[tuple[Batch, BatchResult | None]]:
        done: list[tuple[Batch, BatchResult | None]] = []
        while len(self.inflight) > keep:
            batch, _, task = self.inflight[0]
            try:
                result = await task
            except Exception as exc:
                if not is_transient(exc):
                    await self.abort()
                    raise
                done.extend(await self._recover(exc))
                continue
            self.inflight.popleft()
            done.append((batch, result))
        return done

    async def _recover(self, exc: BaseException) -> list[tuple[Batch, BatchResult | None]]:
        """Rolls back whatever is in flight and writes those batches again, one at a time."""
        log.warning("writing batches: %s; retrying them one by one", exc)
        pending = [(b, t) for b, _, t in self.inflight]
        self.inflight.clear()
        for _, task in pending:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await self._reset()
        done: list[tuple[Batch, BatchResult | None]] = []
        job = self.job
        assert job is not None
        for batch, _ in pending:

            async def write_alone(b: Batch = batch, j: FileJob = job) -> BatchResult | None:
                return await write_batch(await self.first(), j, b)

            result = await self.retried(
                write_alone,
                f"revision {job.revision} lines {batch.first_line}-{batch.last_line}",
            )
            done.append((batch, result))
        return done

    async def abort(self) -> None:
        """Cancels what is in flight; their connections are closed, rolling them back."""
        cancelled = False
        for _, _, task in self.inflight:
            cancelled |= task.cancel()
            with contextlib.suppress(BaseException):
                await task
        self.inflight.clear()
        for i, conn in enumerate(self.conns):
            if conn is not None and (cancelled or i == 1):
                conn.close()
                self.conns[i] = None

    def close(self, keep: Callable[[Connection], None] | None = None) -> None:
        """Closes both connections, or hands them to `keep` (for the worker's next job)."""
        for conn in self.conns:
            if conn is not None:
                (keep or Connection.close)(conn)
        self.conns = [None, None]


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


async def _finish(writer: Writer, job: FileJob, line: int, offset: int) -> bool:
    """Marks the file done if this generation still owns it at that checkpoint."""
    count = await execute(
        await writer.first(),
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
    keep: Callable[[Connection], None] | None = None,
    stages: Stages | None = None,
) -> Outcome:
    """Imports revision from its checkpoint until the end of the file or slice_seconds.

    Its connections go to `keep` (the worker's next job) when it ends without an error.
    """
    started = asyncio.get_running_loop().time()
    writer = Writer(connect, await connect(), started + settings.job_timeout * 0.9)
    try:
        outcome = await _import_from_checkpoint(
            settings,
            writer,
            open_source,
            revision,
            generation,
            job_id,
            started,
            slice_seconds=slice_seconds,
            on_batch=on_batch,
            stages=stages or Stages(),
        )
    except BaseException:
        writer.close()
        raise
    writer.close(keep)
    return outcome


async def _import_from_checkpoint(
    settings: Settings,
    writer: Writer,
    open_source: Callable[[str], Source],
    revision: int,
    generation: int,
    job_id: str,
    started: float,
    *,
    slice_seconds: float,
    on_batch: Callable[[Batch, BatchResult], None] | None,
    stages: Stages,
) -> Outcome:
    """The work of import_slice on the writer's connections."""
    conn = await writer.first()
    try:
        claim = await _claim(conn, revision, generation, job_id)
        if claim is None:
            return Outcome("superseded")
        source_url, line, offset, status = claim
        if status == "done":
            return Outcome("skipped")
        filters = await load_filters(conn)
        job = FileJob(revision, generation, ignored_users=filters.ignored_users)
        outcome = Outcome("continue")
        with contextlib.closing(Spool()) as spool:
            async with stages.front.turn(job_id):
                log.debug("revision %s: reading the file, resolving its people", revision)
                first = await _resolve_people_first(
                    settings, writer, job, open_source(source_url), filters, claim, spool
                )
            outcome.totals.merged_users = first.merged_users
            outcome.totals.rows_moved = first.rows_moved
            async with stages.load:
                end = await _write_stream(
                    writer,
                    job,
                    spool.batches(),
                    outcome,
                    (line, offset),
                    started + slice_seconds,
                    on_batch,
                )
        if end is None:
            return outcome  # the slice's time is up: a continuation job goes on
        done = outcome.finished or await writer.retried(
            lambda: _finish(writer, job, *end),
            f"finishing revision {revision}",
        )
        outcome.status = "done" if done else "superseded"
        return outcome
    except Superseded as exc:
        log.info("%s", exc)
        return Outcome("superseded")


async def _resolve_people_first(
    settings: Settings,
    writer: Writer,
    job: FileJob,
    source: Source,
    filters: Filters,
    claim: tuple,
    spool: Spool,
) -> BatchResult:
    """A first pass over the rest of the file for its people (its batches spooled for the
    second), then their identities and merges in one transaction (importer/people.py); the
    batches then only read them."""
    _, line, offset, _ = claim
    batcher = Batcher(job.revision, settings.batch_size, filters)
    people = await collect_people(
        batcher.batches(split_lines(source.chunks(job.revision, offset)), line + 1, offset),
        spool,
    )

    async def resolve() -> BatchResult:
        return await resolve_file_people(await writer.first(), job, people)

    result = await writer.retried(
        resolve,
        f"identities of revision {job.revision}",
    )
    job.prepared = True
    return result


async def _write_stream(
    writer: Writer,
    job: FileJob,
    stream: AsyncIterator[Batch],
    outcome: Outcome,
    checkpoint: tuple[int, int],
    stop_at: float,
    on_batch: Callable[[Batch, BatchResult], None] | None,
) -> tuple[int, int] | None:
    """Writes the stream's batches until its end, then returns the (line, offset) reached;
    None if the slice's time ran out first (what was submitted is committed either way)."""
    loop = asyncio.get_running_loop()
    line, offset = checkpoint
    try:
        async for batch in stream:
            if loop.time() > stop_at:
                outcome.add(await writer.drain(), on_batch)
                return None
            outcome.add(await writer.submit(job, batch), on_batch)
            line, offset = batch.last_line, batch.end_offset
        outcome.add(await writer.drain(), on_batch)
    finally:
        await writer.abort()
        await stream.aclose()  # type: ignore[attr-defined]
    return line, offset
