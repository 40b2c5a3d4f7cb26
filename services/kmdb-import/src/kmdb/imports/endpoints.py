"""Routes of imports: start one, read its progress (once or as a stream), its events per day."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Header, Path, status
from fastapi.responses import StreamingResponse
from meridian_kit.errors import BadRequest, NotFound, Unavailable, error_responses
from meridian_kit.openapi import event_stream_response

from kmdb.deps import ArqDep, ConnDep, S3Dep, SettingsDep, StateDep, TokenDep, get_conn
from kmdb.imports import days, service, stream
from kmdb.imports.discover import start_import
from kmdb.imports.schemas import ImportDaysOut, ImportOut, ImportRequest, ImportStartedOut
from kmdb.sources.base import SourceError, SourceNotFound, SourceRefused
from kmdb.sources.open import default_source, open_api_source

# Every route: a bad parameter, no or a wrong token, no token configured, a datastore away.
router = APIRouter(dependencies=[TokenDep], responses=error_responses(400, 401, 403, 503))
ImportId = Annotated[str, Path(description="an import's id")]


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


@router.get(
    "/imports/{import_id}/events-per-day",
    response_model=ImportDaysOut,
    responses=error_responses(404),
)
async def read_import_days(
    import_id: ImportId, conn: ConnDep, settings: SettingsDep
) -> ImportDaysOut:
    """The import's own events per UTC day: the rows made from its files (503 when they take
    longer than KMDB_STATS_MAX_SECONDS to count)."""
    return await days.events_per_day(conn, import_id, max_seconds=settings.stats_max_seconds)


EVENT_STREAM = event_stream_response(
    "Server-Sent Events: `progress` (the import as GET /imports/{id} answers it, `id` a digest"
    " of it), `done` once no file is queued or running, `error` when the progress cannot be"
    " read; keep-alive comments; ends after a few minutes (reconnect with Last-Event-ID)"
)


@router.get(
    "/imports/{import_id}/stream",
    response_class=StreamingResponse,
    responses={**EVENT_STREAM, **error_responses(404)},
)
async def stream_import(
    import_id: ImportId,
    state: StateDep,
    last_event_id: Annotated[
        str | None, Header(max_length=64, description="the id of the last event received")
    ] = None,
) -> StreamingResponse:
    """The import's progress as Server-Sent Events, live until every file is done or failed."""
    stream.refuse_when_full()

    async def read() -> ImportOut:
        # a pooled connection per read: an idle stream holds none
        async with asynccontextmanager(get_conn)(state) as conn:
            return await service.get_import(conn, state.arq, state.settings, import_id)

    first = await read()  # 404 for an unknown import, 503 with MySQL away: before any event
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    events = stream.progress_events(first, read, last_event_id)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
