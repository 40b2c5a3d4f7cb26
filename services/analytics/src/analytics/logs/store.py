"""Where logs meet Elasticsearch: every query on `logging-*` is built and run here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from analytics.storage.bulk import ItemError, Write, bulk_index, delete_matching
from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term, time_range, timestamp_sort

# Wildcard patterns that match no index yet are an empty answer, not an error.
_ANY_INDEX: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}


def key_query(trace_id: str | None, log_id: str | None, project: str | None) -> dict[str, Any]:
    """The query naming one log: its trace id [in a project], or its logId in a project."""
    by_project = term("project.keyword", project) if project else None
    if trace_id:
        return all_of({"ids": {"values": [trace_id]}}, by_project)
    return all_of(term("logId.keyword", log_id), by_project)


async def index(es: AsyncElasticsearch, writes: Sequence[Write]) -> list[ItemError]:
    """Indexes logs in one `_bulk`; the items Elasticsearch refused (empty: all stored)."""
    return await bulk_index(es, writes)


async def search(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    project: str,
    from_time: datetime,
    to_time: datetime,
    component: str | None,
    severity: str | None,
    size: int,
) -> list[dict[str, Any]]:
    """A project's logs in a time range, oldest first, at most `size`, each with its traceId."""
    query = all_of(
        term("project.keyword", project),
        time_range(from_time, to_time),
        term("component.keyword", component) if component else None,
        term("severity.keyword", severity) if severity else None,
    )
    response = await es.search(
        index=indices.logs, query=query, sort=timestamp_sort(), size=size, **_ANY_INDEX
    )
    return [{**h["_source"], "traceId": h["_id"]} for h in response["hits"]["hits"]]


async def first(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None,
    log_id: str | None,
    project: str | None,
) -> dict[str, Any] | None:
    """The log a key names, with its traceId; None when there is none."""
    response = await es.search(
        index=indices.logs, query=key_query(trace_id, log_id, project), size=1, **_ANY_INDEX
    )
    hits = response["hits"]["hits"]
    return {**hits[0]["_source"], "traceId": hits[0]["_id"]} if hits else None


async def delete(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None,
    log_id: str | None,
    project: str | None,
) -> int:
    """Deletes the log(s) a key names; how many."""
    return await delete_matching(es, indices.logs, key_query(trace_id, log_id, project))


async def delete_window(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    project: str,
    from_time: datetime | None,
    to_time: datetime | None,
) -> int:
    """Deletes a project's logs, all of them or those of a time range (either bound optional)."""
    query = all_of(
        term("project.keyword", project),
        time_range(from_time, to_time) if from_time or to_time else None,
    )
    return await delete_matching(es, indices.logs, query)
