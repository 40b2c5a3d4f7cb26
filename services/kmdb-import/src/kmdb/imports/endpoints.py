"""Routes of imports: start one, read its progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from meridian_kit.errors import BadRequest, NotFound, Unavailable, error_responses

from kmdb.deps import ArqDep, ConnDep, S3Dep, SettingsDep, TokenDep
from kmdb.imports import service
from kmdb.imports.discover import start_import
from kmdb.imports.schemas import ImportOut, ImportRequest, ImportStartedOut
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
