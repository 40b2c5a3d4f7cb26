"""The arq job: import a slice of one revision file, then hand the rest to a continuation."""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry
from asyncmy.connection import Connection

from kmdb.db import execute, is_transient
from kmdb.importer.run import import_slice
from kmdb.queue.names import FUNCTION, next_job_id, queue_name
from kmdb.settings import Settings
from kmdb.sources.base import SourceError

log = logging.getLogger("kmdb.jobs")


async def _mark(ctx: dict[str, Any], revision: int, generation: int, **fields: Any) -> None:
    """Best-effort update of the file's row (the job's outcome matters more than this note)."""
    sets = ", ".join(f"`{k}` = %s" for k in fields)
    try:
        conn = await ctx["connect"]()
        try:
            await execute(
                conn,
                f"UPDATE dumpfiles SET {sets} WHERE revision = %s AND generation = %s",
                (*fields.values(), revision, generation),
            )
        except BaseException:
            conn.close()
            raise
        ctx.get("keep", Connection.close)(conn)
    except Exception as exc:
        log.warning("could not update revision %s: %s", revision, exc)


async def import_file(
    ctx: dict[str, Any], revision: int, generation: int, part: int = 0
) -> dict[str, Any]:
    """Imports revision `revision` (generation `generation`) from its checkpoint on."""
    settings: Settings = ctx["settings"]
    try:
        outcome = await import_slice(
            settings,
            ctx["connect"],
            ctx["open_source"],
            revision,
            generation,
            ctx["job_id"],
            slice_seconds=settings.job_slice_seconds,
            on_batch=ctx.get("on_batch"),
            keep=ctx.get("keep"),
            stages=ctx.get("stages"),
        )
    except Exception as exc:
        transient = is_transient(exc) or (isinstance(exc, SourceError) and exc.transient)
        if transient and ctx["job_try"] < settings.max_tries:
            log.warning("revision %s: %s; retrying", revision, exc)
            raise Retry(defer=min(2 * ctx["job_try"], 30)) from exc
        await _mark(
            ctx, revision, generation, status="failed", error=f"{type(exc).__name__}: {exc}"
        )
        raise
    if outcome.status == "continue":
        next_id = next_job_id(ctx["job_id"])
        await _mark(ctx, revision, generation, job_id=next_id)
        await ctx["redis"].enqueue_job(
            FUNCTION,
            revision,
            generation,
            part + 1,
            _job_id=next_id,
            _queue_name=queue_name(settings),
        )
    totals = outcome.totals
    return {
        "revision": revision,
        "status": outcome.status,
        "lines": outcome.lines,
        "events": totals.events,
        "properties": totals.properties,
        "aliases": totals.aliases,
        "bad_lines": totals.bad_lines,
        "merged_users": totals.merged_users,
        "rows_moved": totals.rows_moved,
    }
