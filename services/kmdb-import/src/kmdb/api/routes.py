"""Thin routes over kmdb.api.service and kmdb.queue.discover."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from meridian_kit.errors import BadRequest, Unavailable

from kmdb.api import service
from kmdb.api.auth import TokenDep
from kmdb.api.deps import ArqDep, ConnDep, S3Dep, SettingsDep
from kmdb.api.schemas import (
    EventCount,
    FileErrorsOut,
    FileOut,
    FilterIn,
    FilterKind,
    FilterOut,
    ImportOut,
    ImportRequest,
    ImportStartedOut,
    TimelineOut,
)
from kmdb.queue.discover import start_import
from kmdb.sources.base import SourceError
from kmdb.sources.open import default_source, open_api_source

router = APIRouter(dependencies=[TokenDep])
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


@router.post("/imports", status_code=status.HTTP_202_ACCEPTED, response_model=ImportStartedOut)
async def create_import(
    body: ImportRequest, conn: ConnDep, arq: ArqDep, s3: S3Dep, settings: SettingsDep
) -> ImportStartedOut:
    """Finds revision files from min_revision and enqueues a job per file."""
    url = body.source or default_source(settings.aws_bucket)
    if not url:
        raise BadRequest("no source given and AWS_BUCKET is not set", detail={"field": "source"})
    source = open_api_source(url, s3, settings.api_file_roots)
    try:
        started = await start_import(
            conn,
            arq,
            settings,
            source,
            min_revision=body.min_revision,
            lookahead=body.lookahead,
            force=body.force,
        )
    except SourceError as exc:
        raise Unavailable(f"cannot read the source: {exc}", retry_after=30) from None
    return ImportStartedOut(**{k: getattr(started, k) for k in ImportStartedOut.model_fields})


@router.get("/imports/{import_id}", response_model=ImportOut)
async def read_import(
    import_id: str, conn: ConnDep, arq: ArqDep, settings: SettingsDep
) -> ImportOut:
    """An import's files with their progress and job status."""
    return await service.get_import(conn, arq, settings, import_id)


@router.get("/files", response_model=list[FileOut])
async def read_files(
    conn: ConnDep, status: str | None = None, limit: Limit = 100, offset: Offset = 0
) -> list[FileOut]:
    """Revision files and their progress, newest first."""
    return await service.list_files(conn, status=status, limit=limit, offset=offset)


@router.get("/files/{revision}", response_model=FileOut)
async def read_file(revision: int, conn: ConnDep, arq: ArqDep, settings: SettingsDep) -> FileOut:
    """One revision file's progress."""
    return await service.get_file(conn, arq, settings, revision)


@router.get("/files/{revision}/errors", response_model=FileErrorsOut)
async def read_file_errors(
    revision: int, conn: ConnDep, limit: Limit = 100, offset: Offset = 0
) -> FileErrorsOut:
    """A file's bad lines with their line numbers."""
    return await service.file_errors(conn, revision, limit=limit, offset=offset)


@router.get("/filters/{kind}", response_model=list[FilterOut])
async def read_filter(kind: FilterKind, conn: ConnDep) -> list[FilterOut]:
    """Every name in ignored-users, whitelisted-events or blacklisted-properties."""
    return await service.list_filter(conn, kind)


@router.post("/filters/{kind}", status_code=status.HTTP_201_CREATED, response_model=FilterOut)
async def add_filter(kind: FilterKind, body: FilterIn, conn: ConnDep) -> FilterOut:
    """Adds a name to a filter table (read by each job at its start)."""
    return await service.add_filter(conn, kind, body.name)


@router.delete("/filters/{kind}/{name:path}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_filter(kind: FilterKind, name: str, conn: ConnDep) -> None:
    """Removes a name from a filter table."""
    await service.delete_filter(conn, kind, name)


@router.get("/stats/events", response_model=list[EventCount])
async def read_event_counts(
    conn: ConnDep,
    start: Annotated[dt.date, Query(alias="from")],
    end: Annotated[dt.date, Query(alias="to")],
    name: Annotated[str | None, Query(max_length=255)] = None,
) -> list[EventCount]:
    """Event counts per UTC day and event name."""
    return await service.event_counts(conn, start=start, end=end, name=name)


@router.get("/users/{identity:path}/timeline", response_model=TimelineOut)
async def read_timeline(
    identity: str,
    conn: ConnDep,
    limit: Limit = 100,
    before: dt.datetime | None = None,
) -> TimelineOut:
    """A user's latest events, looked up by any of their identities."""
    return await service.timeline(conn, identity, limit=limit, before=before)
