"""Routes of revision files: their progress and their bad lines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from meridian_kit.errors import error_responses

from kmdb.dealias.ids import MAX_LINE, MAX_REVISION
from kmdb.deps import ArqDep, ReadConnDep, SettingsDep, TokenDep
from kmdb.files import service, store
from kmdb.files.schemas import FileErrorsOut, FileOut, FileStatus
from kmdb.params import Limit, Offset, Revision

router = APIRouter(dependencies=[TokenDep], responses=error_responses(400, 401, 403, 503))


@router.get("/files", response_model=list[FileOut])
async def read_files(
    conn: ReadConnDep,
    status: FileStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_REVISION + 1, description="only revisions below this")
    ] = None,
) -> list[FileOut]:
    """Revision files and their progress, newest first."""
    return await store.list_files(conn, status=status, limit=limit, offset=offset, before=before)


@router.get("/files/{revision}", response_model=FileOut, responses=error_responses(404))
async def read_file(
    revision: Revision, conn: ReadConnDep, arq: ArqDep, settings: SettingsDep
) -> FileOut:
    """One revision file's progress."""
    return await service.get_file(conn, arq, settings, revision)


@router.get(
    "/files/{revision}/errors", response_model=FileErrorsOut, responses=error_responses(404)
)
async def read_file_errors(
    revision: Revision,
    conn: ReadConnDep,
    limit: Limit = 100,
    offset: Offset = 0,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_LINE, description="only lines after this one")
    ] = None,
) -> FileErrorsOut:
    """A file's bad lines with their line numbers."""
    return await service.file_errors(conn, revision, limit=limit, offset=offset, after=after)
