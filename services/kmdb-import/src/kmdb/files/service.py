"""Revision files' progress with their jobs' status; no FastAPI here."""

from __future__ import annotations

from arq.connections import ArqRedis
from arq.jobs import Job
from asyncmy.connection import Connection
from meridian_kit.errors import NotFound

from kmdb.files import store
from kmdb.files.schemas import FileErrorsOut, FileOut
from kmdb.queue.names import queue_name
from kmdb.settings import Settings


async def with_job_status(arq: ArqRedis, settings: Settings, files: list[FileOut]) -> list[FileOut]:
    """The files with the arq status of each one's current job filled in."""
    for f in files:
        if f.job_id:
            job = Job(f.job_id, arq, _queue_name=queue_name(settings))
            f.job_status = str((await job.status()).value)
    return files


async def get_file(conn: Connection, arq: ArqRedis, settings: Settings, revision: int) -> FileOut:
    """One revision file's progress; 404 if unknown."""
    found = await store.get_file(conn, revision)
    if found is None:
        raise NotFound(f"revision {revision} is unknown")
    return (await with_job_status(arq, settings, [found]))[0]


async def file_errors(
    conn: Connection, revision: int, *, limit: int, offset: int, after: int | None = None
) -> FileErrorsOut:
    """A file's bad lines, in line order (after line `after` if given); 404 if unknown."""
    total = await store.bad_line_count(conn, revision)
    if total is None:
        raise NotFound(f"revision {revision} is unknown")
    errors = await store.bad_lines(conn, revision, limit=limit, offset=offset, after=after)
    return FileErrorsOut(revision=revision, total=total, errors=errors)
