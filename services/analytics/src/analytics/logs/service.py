"""Logs: trace ids, windows and answers; their queries are in store.py."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import BadRequest, NotFound

from analytics.logs import store
from analytics.logs.schemas import Log
from analytics.messages.service import uuid5
from analytics.storage.bulk import Write, raise_for_refused
from analytics.storage.indices import Indices, as_utc

_TRACE_NAMESPACE = uuid.UUID("0b8f3f5e-3a8e-4c52-8f3e-2d6a1c9b7e21")


def trace_id(log: Log) -> str:
    """A trace id derived from the log's identity, so a re-sent batch is not duplicated."""
    key = "\x1f".join([log.project, log.logId, as_utc(log.timestamp).isoformat()])
    return uuid5(_TRACE_NAMESPACE, key)


async def store_batch(
    *, es: AsyncElasticsearch, indices: Indices, logs: Sequence[Log]
) -> list[str]:
    """Indexes logs into `logging-all` (project a field); returns their trace ids in order."""
    writes = [
        Write(indices.log(log.timestamp), trace_id(log), log.model_dump(mode="json"))
        for log in logs
    ]
    errors = await store.index(es, writes)
    raise_for_refused(errors, total=len(writes), kind="log", name_of=lambda i: logs[i].logId)
    return [w.id for w in writes]


async def search(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    project: str,
    from_time: datetime,
    to_time: datetime,
    component: str | None = None,
    severity: str | None = None,
    max_size: int = 1000,
) -> list[dict[str, Any]]:
    """Logs of a project in a time range, oldest first, each with its traceId."""
    if as_utc(from_time) > as_utc(to_time):
        raise BadRequest("fromTime must not be after toTime")
    return await store.search(
        es=es,
        indices=indices,
        project=project,
        from_time=from_time,
        to_time=to_time,
        component=component,
        severity=severity,
        size=max_size,
    )


def _check_key(trace_id: str | None, log_id: str | None, project: str | None) -> None:
    if not trace_id and not (log_id and project):
        raise BadRequest("specify either `traceId`, or `logId` and `project`")


async def get(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None = None,
    log_id: str | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """One log with its traceId; 404 when there is none."""
    _check_key(trace_id, log_id, project)
    found = await store.first(
        es=es, indices=indices, trace_id=trace_id, log_id=log_id, project=project
    )
    if found is None:
        raise NotFound("resource not found")
    return found


async def delete_one(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None = None,
    log_id: str | None = None,
    project: str | None = None,
) -> int:
    """Deletes one log; 404 when there is none."""
    _check_key(trace_id, log_id, project)
    deleted = await store.delete(
        es=es, indices=indices, trace_id=trace_id, log_id=log_id, project=project
    )
    if not deleted:
        raise NotFound("resource not found")
    return deleted


async def delete_many(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    project: str,
    from_time: datetime | None = None,
    to_time: datetime | None = None,
) -> int:
    """Deletes a project's logs, all of them or those of a time range."""
    if from_time and to_time and as_utc(from_time) > as_utc(to_time):
        raise BadRequest("fromTime must not be after toTime")
    return await store.delete_window(
        es=es, indices=indices, project=project, from_time=from_time, to_time=to_time
    )
