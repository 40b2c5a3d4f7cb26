"""Starting an import: probes revisions/N.json with a lookahead, enqueues one job per file."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from asyncmy.connection import Connection

from kmdb.db import execute, fetchall
from kmdb.dealias.ids import MAX_REVISION, revision_range
from kmdb.queue.names import FUNCTION, job_id, queue_name
from kmdb.settings import Settings
from kmdb.sources.base import Source


@dataclass
class ImportStarted:
    """What one import run enqueued."""

    import_id: str
    source: str
    enqueued: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)
    already_done: list[int] = field(default_factory=list)
    first_probed: int | None = None


# Revision files probed at once (S3 HEAD requests in flight).
PROBE_WINDOW = 32
# Revisions per statement when looking up or inserting many dumpfiles rows.
ROWS_PER_STATEMENT = 1000


async def _sizes(source: Source, revisions: range) -> list[int | None]:
    """The sizes of a run of revision files, probed concurrently; the first error stops all."""
    tasks = [asyncio.ensure_future(source.size(r)) for r in revisions]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _probe(source: Source, first: int, lookahead: int) -> list[tuple[int, int]]:
    """(revision, size) of every file from `first` until `lookahead` misses in a row."""
    found: list[tuple[int, int]] = []
    misses, start = 0, first
    while start <= MAX_REVISION:
        window = range(start, min(start + PROBE_WINDOW, MAX_REVISION + 1))
        for revision, size in zip(window, await _sizes(source, window), strict=True):
            if size is None:
                misses += 1
                if misses >= lookahead:
                    return found
            else:
                misses = 0
                found.append((revision, size))
        start = window.stop
    return found


async def _enqueue(
    arq: ArqRedis, settings: Settings, revision: int, generation: int, jid: str | None = None
) -> str:
    """Enqueues the first job of a file's generation (under `jid` if given); its id."""
    jid = jid or job_id(settings, revision, generation)
    await arq.enqueue_job(
        FUNCTION, revision, generation, 0, _job_id=jid, _queue_name=queue_name(settings)
    )
    return jid


async def _job_gone(arq: ArqRedis, settings: Settings, jid: str | None) -> bool:
    """Whether a file's last job is neither queued nor running (lost, or failed for good)."""
    if not jid:
        return True
    status = await Job(jid, arq, _queue_name=queue_name(settings)).status()
    return status in (JobStatus.not_found, JobStatus.complete)


async def _reset_rows(conn: Connection, revision: int) -> None:
    """Deletes every row made from a revision (ids are ranges per revision)."""
    low, high = revision_range(revision)
    for table in ("events", "properties", "aliases"):
        await execute(conn, f"DELETE FROM {table} WHERE id >= %s AND id < %s", (low, high))
    await execute(conn, "DELETE FROM file_errors WHERE revision = %s", (revision,))


async def _queue_new_files(
    conn: Connection,
    arq: ArqRedis,
    settings: Settings,
    started: ImportStarted,
    files: list[tuple[int, int]],
) -> None:
    """Adds rows for files never seen, then enqueues each file this import added.

    A row carries its job's id before the job exists: if the job is never enqueued (a crash
    in between), the next import finds that job gone and queues the file again.
    """
    jobs = {revision: job_id(settings, revision, 0) for revision, _ in files}
    await execute(
        conn,
        "INSERT IGNORE INTO dumpfiles"
        " (revision, source, import_id, `length`, queued_at, status, job_id) VALUES "
        + ", ".join(["(%s, %s, %s, %s, NOW(6), 'queued', %s)"] * len(files)),
        [
            v
            for revision, size in files
            for v in (revision, started.source, started.import_id, size, jobs[revision])
        ],
    )
    # Another import may have added some of them first: enqueue only the rows this one added.
    ours = await fetchall(
        conn,
        "SELECT revision FROM dumpfiles WHERE import_id = %s AND generation = 0 AND revision IN ("
        + ", ".join(["%s"] * len(files))
        + ") ORDER BY revision",
        (started.import_id, *jobs),
    )
    for (revision,) in ours:
        await _enqueue(arq, settings, revision, 0, jobs[revision])
        started.enqueued.append(revision)


async def _queue_file(
    conn: Connection,
    arq: ArqRedis,
    settings: Settings,
    started: ImportStarted,
    revision: int,
    size: int,
    force: bool,
) -> None:
    """Re-imports a known file with force; resumes a stalled one."""
    rows = await fetchall(
        conn, "SELECT generation, status, job_id FROM dumpfiles WHERE revision = %s", (revision,)
    )
    if not rows:
        return  # flushed meanwhile
    generation, status, jid = rows[0]
    if not force and (status == "done" or not await _job_gone(arq, settings, jid)):
        if status == "done":
            started.already_done.append(revision)
        return
    await conn.begin()
    try:
        locked = await fetchall(
            conn, "SELECT generation FROM dumpfiles WHERE revision = %s FOR UPDATE", (revision,)
        )
        generation = locked[0][0] + 1
        reset = (
            ", line = 0, `offset` = 0, events = 0, properties = 0, aliases = 0," if force else ","
        )
        reset += " skipped = 0, bad_lines = 0, rows_moved = 0, started_at = NULL," if force else ""
        # A forced re-import takes this import's source; a resumed file keeps its own.
        origin = ", source = %s, import_id = %s, `length` = %s" if force else ""
        args = (started.source, started.import_id, size) if force else ()
        await execute(
            conn,
            f"UPDATE dumpfiles SET generation = %s, status = 'queued', error = NULL{reset}"
            f" finished_at = NULL, queued_at = NOW(6){origin} WHERE revision = %s",
            (generation, *args, revision),
        )
        if force:
            await _reset_rows(conn, revision)
        await conn.commit()
    except BaseException:
        await conn.rollback()
        raise
    jid = await _enqueue(arq, settings, revision, generation)
    await execute(conn, "UPDATE dumpfiles SET job_id = %s WHERE revision = %s", (jid, revision))
    (started.enqueued if force else started.resumed).append(revision)


async def start_import(
    conn: Connection,
    arq: ArqRedis,
    settings: Settings,
    source: Source,
    *,
    min_revision: int | None = None,
    lookahead: int | None = None,
    force: bool = False,
    import_id: str | None = None,
) -> ImportStarted:
    """Probes revisions from min_revision (else after the last known one) and enqueues them."""
    await source.check()
    started = ImportStarted(import_id or uuid.uuid4().hex, source.url)
    first = min_revision if min_revision is not None else settings.min_revision
    if first is None and not force:
        last = await fetchall(conn, "SELECT MAX(revision) FROM dumpfiles")
        first = last[0][0] + 1 if last and last[0][0] is not None else None
    if first is None:
        first = await source.smallest_revision()
    # Probe every file before enqueuing any: a source refused half-way starts nothing.
    found: list[tuple[int, int]] = []
    if first is not None:
        started.first_probed = first
        found = await _probe(source, first, lookahead or settings.revision_lookahead)
    await execute(
        conn,
        "INSERT IGNORE INTO imports (id, source, force_reimport) VALUES (%s, %s, %s)",
        (started.import_id, source.url, force),
    )
    for i in range(0, len(found), ROWS_PER_STATEMENT):
        chunk = found[i : i + ROWS_PER_STATEMENT]
        known = await fetchall(
            conn,
            "SELECT revision FROM dumpfiles WHERE revision IN ("
            + ", ".join(["%s"] * len(chunk))
            + ")",
            [revision for revision, _ in chunk],
        )
        seen = {row[0] for row in known}
        new = [(revision, size) for revision, size in chunk if revision not in seen]
        if new:
            await _queue_new_files(conn, arq, settings, started, new)
        for revision, size in chunk:
            if revision in seen:
                await _queue_file(conn, arq, settings, started, revision, size, force)
    # Files left unfinished by a lost queue or a job that failed for good go again.
    stalled = await fetchall(
        conn, "SELECT revision, `length` FROM dumpfiles WHERE status <> 'done' ORDER BY revision"
    )
    queued = {*started.enqueued, *started.resumed}
    for revision, size in stalled:
        if revision not in queued:
            await _queue_file(conn, arq, settings, started, revision, size or 0, False)
    for revisions in (started.enqueued, started.resumed, started.already_done):
        revisions.sort()
    return started
