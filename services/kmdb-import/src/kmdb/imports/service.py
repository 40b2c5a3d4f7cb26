"""An import's progress, from its files and their jobs; no FastAPI here."""

from __future__ import annotations

from arq.connections import ArqRedis
from asyncmy.connection import Connection
from meridian_kit.errors import NotFound

from kmdb.files import store as files_store
from kmdb.files.service import with_job_status
from kmdb.imports import store
from kmdb.imports.schemas import ImportOut
from kmdb.settings import Settings

COUNTED = ("events", "properties", "aliases", "skipped", "bad_lines", "line")


async def get_import(
    conn: Connection, arq: ArqRedis, settings: Settings, import_id: str
) -> ImportOut:
    """An import with each file's progress and job status; 404 if unknown."""
    found = await store.get_import(conn, import_id)
    if found is None:
        raise NotFound(f"no import {import_id}")
    files = await with_job_status(arq, settings, await files_store.files_of_import(conn, import_id))
    totals = {k: sum(getattr(f, k) for f in files) for k in COUNTED}
    totals["files"] = len(files)
    totals["files_done"] = sum(f.status == "done" for f in files)
    totals["files_failed"] = sum(f.status == "failed" for f in files)
    source, force, created = found
    return ImportOut(
        import_id=import_id,
        source=source,
        force=force,
        created_at=created,
        files=files,
        totals=totals,
    )
