"""Bodies of the files routes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel

from kmdb.fields import UtcDateTime


class FileStatus(StrEnum):
    """A revision file's state in `dumpfiles`."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class FileOut(BaseModel):
    """One revision file's progress."""

    revision: int
    source: str
    import_id: str | None
    status: str
    job_id: str | None
    job_status: str | None = None
    length: int | None
    offset: int
    line: int
    events: int
    properties: int
    aliases: int
    skipped: int
    bad_lines: int
    error: str | None
    queued_at: UtcDateTime | None
    started_at: UtcDateTime | None
    finished_at: UtcDateTime | None


class FileErrorOut(BaseModel):
    """A bad line."""

    line: int
    reason: str
    excerpt: str


class FileErrorsOut(BaseModel):
    """A file's bad lines, by line number."""

    revision: int
    total: int
    errors: list[FileErrorOut]
