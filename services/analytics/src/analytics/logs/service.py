"""Storing, searching and deleting logs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import BadRequest, NotFound

from analytics.logs.schemas import Log
from analytics.messages.service import uuid5
from analytics.storage.bulk import Write, bulk_index, delete_matching, raise_for_refused
from analytics.storage.indices import Indices, as_utc
from analytics.storage.queries import all_of, term, time_range, timestamp_sort

_TRACE_NAMESPACE = uuid.UUID("0b8f3f5e-3a8e-4c52-8f3e-2d6a1c9b7e21")


def trace_id(log: Log) -> str:
    """A trace id derived from the log's identity, so a re-sent batch is not duplicated."""
    key = "\x1f".join([log.project, log.logId, as_utc(log.timestamp).isoformat()])
    return uuid5(_TRACE_NAMESPACE, key)


async def store(*, es: AsyncElasticsearch, indices: Indices, logs: Sequence[Log]) -> list[str]:
    """Indexes logs into `logging-all` (project a field); returns their trace ids in order."""
    writes = [
        Write(indices.log(log.timestamp), trace_id(log), log.model_dump(mode="json"))
        for log in logs
    ]
    errors = await bulk_index(es, writes)
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
    query = all_of(
        term("project.keyword", project),
        time_range(from_time, to_time),
        term("component.keyword", component) if component else None,
        term("severity.keyword", severity) if severity else None,
    )
    response = await es.search(
        index=indices.logs,
        query=query,
        sort=timestamp_sort(),
        size=max_size,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [{**h["_source"], "traceId": h["_id"]} for h in response["hits"]["hits"]]


def _locate(
    indices: Indices, trace_id: str | None, log_id: str | None, project: str | None
) -> tuple[str, dict[str, Any]]:
    if trace_id:
        by_project = term("project.keyword", project) if project else None
        return indices.logs, all_of({"ids": {"values": [trace_id]}}, by_project)
    if log_id and project:
        return indices.logs, all_of(term("logId.keyword", log_id), term("project.keyword", project))
    raise BadRequest("specify either `traceId`, or `logId` and `project`")


async def get(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None = None,
    log_id: str | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """One log with its traceId."""
    index, query = _locate(indices, trace_id, log_id, project)
    response = await es.search(
        index=index, query=query, size=1, ignore_unavailable=True, allow_no_indices=True
    )
    hits = response["hits"]["hits"]
    if not hits:
        raise NotFound("resource not found")
    return {**hits[0]["_source"], "traceId": hits[0]["_id"]}


async def delete_one(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None = None,
    log_id: str | None = None,
    project: str | None = None,
) -> int:
    """Deletes one log; 404 when there is none."""
    index, query = _locate(indices, trace_id, log_id, project)
    deleted = await delete_matching(es, index, query)
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
    query = all_of(
        term("project.keyword", project),
        time_range(from_time, to_time) if from_time or to_time else None,
    )
    return await delete_matching(es, indices.logs, query)
