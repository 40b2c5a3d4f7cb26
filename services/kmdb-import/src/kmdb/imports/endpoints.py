"""Thin routes over kmdb.api.service and kmdb.queue.discover."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from meridian_kit.errors import BadRequest, NotFound, Unavailable, error_responses

from kmdb.api import service
from kmdb.api.auth import TokenDep
from kmdb.api.deps import ArqDep, ConnDep, S3Dep, SettingsDep
from kmdb.api.schemas import (
    EventCount,
    FileErrorsOut,
    FileOut,
    FileStatus,
    FilterIn,
    FilterKind,
    FilterOut,
    ImportOut,
    ImportRequest,
    ImportStartedOut,
    Printable,
    TimelineOut,
)
from kmdb.dealias.ids import MAX_LINE, MAX_REVISION
from kmdb.queue.discover import start_import
from kmdb.sources.base import SourceError, SourceNotFound, SourceRefused
from kmdb.sources.open import default_source, open_api_source

# Every route: a bad parameter, no or a wrong token, no token configured, a datastore away.
router = APIRouter(dependencies=[TokenDep], responses=error_responses(400, 401, 403, 503))
Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many items")]
Offset = Annotated[
    int, Query(ge=0, le=10_000, description="items to skip (at most 10000; page further by key)")
]
Revision = Annotated[int, Path(ge=0, le=MAX_REVISION, description="the revision number")]
ImportId = Annotated[str, Path(description="an import's id")]
# Any text: names stored before control characters were refused can be removed too.
FilterName = Annotated[str, Query(min_length=1, max_length=255, description="the name")]
# Days MySQL's DATETIME holds; `to` stops a day short so the day after it is a date too.
FirstDay = Annotated[dt.date, Query(alias="from", ge=dt.date(1000, 1, 1), le=dt.date(9999, 12, 30))]
LastDay = Annotated[dt.date, Query(alias="to", ge=dt.date(1000, 1, 1), le=dt.date(9999, 12, 30))]


@router.post(
    "/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportStartedOut,
    responses=error_responses(404, 413),
)
async def create_import(
    body: ImportRequest, conn: ConnDep, arq: ArqDep, s3: S3Dep, settings: SettingsDep
) -> ImportStartedOut:
    """Finds revision files from min_revision and enqueues a job per file.

    A source that is malformed or refused is a 400, one that does not exist a 404 (both naming
    `source`); only a store that cannot be reached is a 503 with Retry-After.
    """
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
    except SourceNotFound as exc:
        raise NotFound(str(exc), detail={"field": "source"}) from None
    except SourceRefused as exc:
        raise BadRequest(str(exc), detail={"field": "source"}) from None
    except SourceError as exc:
        raise Unavailable(f"cannot read the source: {exc}", retry_after=30) from None
    return ImportStartedOut(**{k: getattr(started, k) for k in ImportStartedOut.model_fields})


@router.get("/imports/{import_id}", response_model=ImportOut, responses=error_responses(404))
async def read_import(
    import_id: ImportId, conn: ConnDep, arq: ArqDep, settings: SettingsDep
) -> ImportOut:
    """An import's files with their progress and job status."""
    return await service.get_import(conn, arq, settings, import_id)


@router.get("/files", response_model=list[FileOut])
async def read_files(
    conn: ConnDep,
    status: FileStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_REVISION + 1, description="only revisions below this")
    ] = None,
) -> list[FileOut]:
    """Revision files and their progress, newest first."""
    return await service.list_files(conn, status=status, limit=limit, offset=offset, before=before)


@router.get("/files/{revision}", response_model=FileOut, responses=error_responses(404))
async def read_file(
    revision: Revision, conn: ConnDep, arq: ArqDep, settings: SettingsDep
) -> FileOut:
    """One revision file's progress."""
    return await service.get_file(conn, arq, settings, revision)


@router.get(
    "/files/{revision}/errors", response_model=FileErrorsOut, responses=error_responses(404)
)
async def read_file_errors(
    revision: Revision,
    conn: ConnDep,
    limit: Limit = 100,
    offset: Offset = 0,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_LINE, description="only lines after this one")
    ] = None,
) -> FileErrorsOut:
    """A file's bad lines with their line numbers."""
    return await service.file_errors(conn, revision, limit=limit, offset=offset, after=after)


@router.get("/filters/{kind}", response_model=list[FilterOut])
async def read_filter(
    kind: FilterKind,
    conn: ConnDep,
    limit: Limit = 1000,
    after: Annotated[
        Printable | None, Query(max_length=255, description="only names after this one")
    ] = None,
) -> list[FilterOut]:
    """Names in ignored-users, whitelisted-events or blacklisted-properties, in order."""
    return await service.list_filter(conn, kind, limit=limit, after=after)


@router.post(
    "/filters/{kind}",
    status_code=status.HTTP_201_CREATED,
    response_model=FilterOut,
    responses=error_responses(409, 413),
)
async def add_filter(kind: FilterKind, body: FilterIn, conn: ConnDep) -> FilterOut:
    """Adds a name to a filter table (read by each job at its start); no control characters."""
    return await service.add_filter(conn, kind, body.name)


@router.delete(
    "/filters/{kind}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(404)
)
async def delete_filter_by_query(kind: FilterKind, name: FilterName, conn: ConnDep) -> None:
    """Removes a name given as `?name=` (any name: nothing in a path can change it on the way)."""
    await service.delete_filter(conn, kind, name)


@router.delete(
    "/filters/{kind}/{name:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404),
)
async def delete_filter(kind: FilterKind, name: str, conn: ConnDep) -> None:
    """Removes a name from a filter table (percent-encode it; `?name=` for any name)."""
    if not name:
        raise NotFound("no name given: DELETE /filters/{kind}/{name} or ?name=")
    await service.delete_filter(conn, kind, name)


@router.get("/stats/events", response_model=list[EventCount])
async def read_event_counts(
    conn: ConnDep,
    settings: SettingsDep,
    start: FirstDay,
    end: LastDay,
    name: Annotated[str | None, Query(max_length=255)] = None,
) -> list[EventCount]:
    """Event counts per UTC day and event name."""
    return await service.event_counts(
        conn, start=start, end=end, name=name, max_seconds=settings.stats_max_seconds
    )


@router.get(
    "/users/{identity:path}/timeline", response_model=TimelineOut, responses=error_responses(404)
)
async def read_timeline(
    identity: str,
    conn: ConnDep,
    limit: Limit = 100,
    before: Annotated[
        dt.datetime | None,
        Query(description="only what happened before this time (UTC unless it says otherwise)"),
    ] = None,
) -> TimelineOut:
    """A user's latest events, looked up by any of their identities."""
    return await service.timeline(conn, identity, limit=limit, before=before)
