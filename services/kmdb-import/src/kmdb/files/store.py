"""Queries behind the routes; no FastAPI here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from arq.jobs import Job
from asyncmy.connection import Connection
from meridian_kit.errors import BadRequest, Conflict, NotFound

from kmdb.api.schemas import (
    EventCount,
    FileErrorOut,
    FileErrorsOut,
    FileOut,
    FilterKind,
    FilterOut,
    ImportOut,
    TimelineEvent,
    TimelineOut,
)
from kmdb.db import StatementTimedOut, execute, fetchall, fetchall_within
from kmdb.dealias.ids import INDEX_BITS
from kmdb.queue.names import queue_name
from kmdb.settings import Settings

FILE_COLUMNS = (
    "revision, source, import_id, status, job_id, `length`, `offset`, line, events, properties,"
    " aliases, skipped, bad_lines, error, queued_at, started_at, finished_at"
)
COUNTED = ("events", "properties", "aliases", "skipped", "bad_lines", "line")


def _file(row: tuple[Any, ...]) -> FileOut:
    keys = [c.strip().strip("`") for c in FILE_COLUMNS.split(",")]
    return FileOut(**dict(zip(keys, row, strict=True)))


async def _with_job_status(arq: Any, settings: Settings, files: list[FileOut]) -> list[FileOut]:
    for f in files:
        if f.job_id:
            job = Job(f.job_id, arq, _queue_name=queue_name(settings))
            f.job_status = str((await job.status()).value)
    return files


async def get_import(conn: Connection, arq: Any, settings: Settings, import_id: str) -> ImportOut:
    """An import with each file's progress and job status."""
    rows = await fetchall(
        conn,
        "SELECT id, source, force_reimport, created_at FROM imports WHERE id = %s",
        (import_id,),
    )
    if not rows:
        raise NotFound(f"no import {import_id}")
    files = [
        _file(r)
        for r in await fetchall(
            conn,
            f"SELECT {FILE_COLUMNS} FROM dumpfiles WHERE import_id = %s ORDER BY revision",
            (import_id,),
        )
    ]
    await _with_job_status(arq, settings, files)
    totals = {k: sum(getattr(f, k) for f in files) for k in COUNTED}
    totals["files"] = len(files)
    totals["files_done"] = sum(f.status == "done" for f in files)
    totals["files_failed"] = sum(f.status == "failed" for f in files)
    _, source, force, created = rows[0]
    return ImportOut(
        import_id=import_id,
        source=source,
        force=bool(force),
        created_at=created,
        files=files,
        totals=totals,
    )


async def list_files(
    conn: Connection, *, status: str | None, limit: int, offset: int, before: int | None = None
) -> list[FileOut]:
    """Revision files, newest first (below `before` if given)."""
    where: list[str] = ["1"]
    args: list[Any] = []
    if status:
        where, args = [*where, "status = %s"], [*args, status]
    if before is not None:
        where, args = [*where, "revision < %s"], [*args, before]
    rows = await fetchall(
        conn,
        f"SELECT {FILE_COLUMNS} FROM dumpfiles WHERE {' AND '.join(where)}"
        " ORDER BY revision DESC LIMIT %s OFFSET %s",
        [*args, limit, offset],
    )
    return [_file(r) for r in rows]


async def get_file(conn: Connection, arq: Any, settings: Settings, revision: int) -> FileOut:
    """One revision file's progress."""
    rows = await fetchall(
        conn, f"SELECT {FILE_COLUMNS} FROM dumpfiles WHERE revision = %s", (revision,)
    )
    if not rows:
        raise NotFound(f"revision {revision} is unknown")
    return (await _with_job_status(arq, settings, [_file(rows[0])]))[0]


async def file_errors(
    conn: Connection, revision: int, *, limit: int, offset: int, after: int | None = None
) -> FileErrorsOut:
    """A file's bad lines, in line order (after line `after` if given)."""
    known = await fetchall(conn, "SELECT bad_lines FROM dumpfiles WHERE revision = %s", (revision,))
    if not known:
        raise NotFound(f"revision {revision} is unknown")
    rows = await fetchall(
        conn,
        "SELECT line, reason, excerpt FROM file_errors WHERE revision = %s AND line > %s"
        " ORDER BY line LIMIT %s OFFSET %s",
        (revision, -1 if after is None else after, limit, offset),
    )
    errors = [FileErrorOut(line=r[0], reason=r[1], excerpt=r[2]) for r in rows]
    return FileErrorsOut(revision=revision, total=int(known[0][0]), errors=errors)


async def list_filter(
    conn: Connection, kind: FilterKind, *, limit: int, after: str | None = None
) -> list[FilterOut]:
    """Names in a filter table in order, `limit` of them (after `after` if given)."""
    where, args = ("WHERE name > %s", [after]) if after is not None else ("", [])
    rows = await fetchall(
        conn,
        f"SELECT name, created_at FROM {kind.table} {where} ORDER BY name LIMIT %s",
        [*args, limit],
    )
    return [FilterOut(name=r[0], created_at=r[1]) for r in rows]


async def add_filter(conn: Connection, kind: FilterKind, name: str) -> FilterOut:
    """Adds a name; 409 if it is there already."""
    if not await execute(conn, f"INSERT IGNORE INTO {kind.table} (name) VALUES (%s)", (name,)):
        raise Conflict(f"{name!r} is already in {kind.value}", detail={"field": "name"})
    rows = await fetchall(
        conn, f"SELECT name, created_at FROM {kind.table} WHERE name = %s", (name,)
    )
    return FilterOut(name=rows[0][0], created_at=rows[0][1])


async def delete_filter(conn: Connection, kind: FilterKind, name: str) -> None:
    """Removes a name; 404 if it was not there."""
    if not await execute(conn, f"DELETE FROM {kind.table} WHERE name = %s", (name,)):
        raise NotFound(f"{name!r} is not in {kind.value}")


async def event_counts(
    conn: Connection, *, start: dt.date, end: dt.date, name: str | None, max_seconds: float
) -> list[EventCount]:
    """Events per UTC day and name, start..end inclusive; the database counts for max_seconds."""
    if end < start:
        raise BadRequest("'to' is before 'from'", detail={"field": "to"})
    if (end - start).days > 3660:
        raise BadRequest("at most ten years at a time", detail={"field": "to"})
    args: list[Any] = [start, end + dt.timedelta(days=1)]
    extra = ""
    if name is not None:
        extra, args = " AND k.string = %s", [*args, name]
    try:
        rows = await fetchall_within(
            conn,
            "SELECT DATE(e.t) AS day, k.string, COUNT(*) FROM events e JOIN `keys` k ON k.id = e.n"
            f" WHERE e.t >= %s AND e.t < %s{extra} GROUP BY day, k.string ORDER BY day, k.string",
            args,
            seconds=max_seconds,
        )
    except StatementTimedOut:
        raise BadRequest(
            f"these days hold more events than can be counted in {max_seconds:g} s"
            " (KMDB_STATS_MAX_SECONDS): ask for fewer days or one event name",
            detail={"field": "to"},
        ) from None
    return [EventCount(day=r[0], name=r[1], count=r[2]) for r in rows]


async def timeline(
    conn: Connection, identity: str, *, limit: int, before: dt.datetime | None
) -> TimelineOut:
    """A user's latest events and property sets, found by any identity of theirs."""
    found = await fetchall(
        conn,
        "SELECT u.id, u.name FROM identities i JOIN users u ON u.id = i.user_id WHERE i.name = %s",
        (identity,),
    )
    if not found:
        raise NotFound(f"no user has the identity {identity!r}")
    uid, kept = found[0]
    names = [
        r[0]
        for r in await fetchall(
            conn, "SELECT name FROM identities WHERE user_id = %s ORDER BY name LIMIT 1000", (uid,)
        )
    ]
    if before is not None and before.tzinfo is not None:
        before = before.astimezone(dt.UTC).replace(tzinfo=None)  # rows hold naive UTC
    upper = before or dt.datetime(9999, 12, 31)
    events = await fetchall(
        conn,
        "SELECT e.id, e.t, k.string FROM events e JOIN `keys` k ON k.id = e.n"
        " WHERE e.user_id = %s AND e.t < %s ORDER BY e.t DESC, e.id DESC LIMIT %s",
        (uid, upper, limit),
    )
    props = await fetchall(
        conn,
        "SELECT p.id, p.t, k.string, p.value, p.event_id FROM properties p"
        " JOIN `keys` k ON k.id = p.`key` WHERE p.user_id = %s AND p.t < %s"
        " ORDER BY p.t DESC, p.id DESC LIMIT %s",
        (uid, upper, limit * 20),
    )
    entries: dict[int, TimelineEvent] = {
        eid: TimelineEvent(id=eid, t=t, name=n, properties={}) for eid, t, n in events
    }
    for pid, t, key, value, event_id in props:
        base = event_id if event_id is not None else (pid >> INDEX_BITS) << INDEX_BITS
        if event_id is None and base not in entries:
            entries[base] = TimelineEvent(id=base, t=t, name=None, properties={})
        if base in entries:
            entries[base].properties[key] = value
    ordered = sorted(entries.values(), key=lambda e: (e.t, e.id), reverse=True)[:limit]
    return TimelineOut(user_id=uid, name=kept, identities=names, events=ordered)
