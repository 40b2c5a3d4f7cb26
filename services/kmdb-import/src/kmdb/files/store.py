"""The `dumpfiles` and `file_errors` rows the API reads."""

from __future__ import annotations

from typing import Any

from asyncmy.connection import Connection

from kmdb.db import fetchall
from kmdb.files.schemas import FileErrorOut, FileOut

FILE_COLUMNS = (
    "revision, source, import_id, status, job_id, `length`, `offset`, line, events, properties,"
    " aliases, skipped, bad_lines, error, queued_at, started_at, finished_at"
)
_KEYS = [c.strip().strip("`") for c in FILE_COLUMNS.split(",")]


def _file(row: tuple[Any, ...]) -> FileOut:
    return FileOut(**dict(zip(_KEYS, row, strict=True)))


async def files_of_import(conn: Connection, import_id: str) -> list[FileOut]:
    """The files an import added or took over, by revision."""
    rows = await fetchall(
        conn,
        f"SELECT {FILE_COLUMNS} FROM dumpfiles WHERE import_id = %s ORDER BY revision",
        (import_id,),
    )
    return [_file(r) for r in rows]


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


async def get_file(conn: Connection, revision: int) -> FileOut | None:
    """One revision file's row, or None."""
    rows = await fetchall(
        conn, f"SELECT {FILE_COLUMNS} FROM dumpfiles WHERE revision = %s", (revision,)
    )
    return _file(rows[0]) if rows else None


async def bad_line_count(conn: Connection, revision: int) -> int | None:
    """How many bad lines a file has, or None if the revision is unknown."""
    known = await fetchall(conn, "SELECT bad_lines FROM dumpfiles WHERE revision = %s", (revision,))
    return int(known[0][0]) if known else None


async def bad_lines(
    conn: Connection, revision: int, *, limit: int, offset: int, after: int | None
) -> list[FileErrorOut]:
    """A file's bad lines, in line order (after line `after` if given)."""
    rows = await fetchall(
        conn,
        "SELECT line, reason, excerpt FROM file_errors WHERE revision = %s AND line > %s"
        " ORDER BY line LIMIT %s OFFSET %s",
        (revision, -1 if after is None else after, limit, offset),
    )
    return [FileErrorOut(line=r[0], reason=r[1], excerpt=r[2]) for r in rows]
