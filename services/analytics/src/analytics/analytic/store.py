"""Analytic documents `{id, descriptor, result}` in `analytic-all` (id = _id; older indices are read too)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_scan
from meridian_kit.errors import NotFound

from analytics.analytic.descriptors import AnyDescriptor, descriptor_document
from analytics.storage.indices import Indices
from analytics.storage.queries import term


@dataclass(frozen=True)
class StoredAnalytic:
    """An analytic document and the index it lives in."""

    index: str
    id: str
    document: dict[str, Any]


async def create(*, es: AsyncElasticsearch, indices: Indices, descriptor: AnyDescriptor) -> str:
    """Stores a new analytic without a result; returns its id."""
    analytic_id = str(uuid.uuid4())
    document = {
        "id": analytic_id,
        "descriptor": descriptor_document(descriptor),
        "result": None,
        # Only for listing newest first (GET /analytic/list); answers leave it out.
        "createdAt": datetime.now(UTC).isoformat(),
    }
    await es.index(
        index=indices.analytic(datetime.now(UTC)),
        id=analytic_id,
        document=document,
        refresh="wait_for",
    )
    return analytic_id


MAX_LIST_WINDOW = 10000  # offset + limit of GET /analytic/list (Elasticsearch's result window)


@dataclass(frozen=True)
class Listing:
    """A page of analytics and how many match in all."""

    total: int
    analytics: list[StoredAnalytic]


async def listing(
    *, es: AsyncElasticsearch, indices: Indices, project: str | None, offset: int, limit: int
) -> Listing:
    """Analytics (of a project, or all), newest first (those stored before creation times were
    kept come last, by id), `limit` of them from `offset`."""
    query: dict[str, Any] = {"match_all": {}}
    if project:  # a 1.x document not yet migrated keeps its descriptor as `query`
        query = {
            "bool": {
                "should": [
                    term("descriptor.project.keyword", project),
                    term("query.project.keyword", project),
                ],
                "minimum_should_match": 1,
            }
        }
    response = await es.search(
        index=indices.analytics,
        query=query,
        sort=[
            {"createdAt": {"order": "desc", "unmapped_type": "date", "missing": "_last"}},
            {"id.keyword": {"order": "asc", "unmapped_type": "keyword"}},
        ],
        from_=offset,
        size=limit,
        track_total_hits=True,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = response["hits"]["hits"]
    return Listing(
        total=response["hits"]["total"]["value"],
        analytics=[StoredAnalytic(h["_index"], h["_id"], h["_source"]) for h in hits],
    )


async def find(*, es: AsyncElasticsearch, indices: Indices, analytic_id: str) -> StoredAnalytic:
    """The analytic with this id, wherever it is; 404 when there is none."""
    response = await es.search(
        index=indices.analytics,
        query={
            "bool": {
                "should": [{"ids": {"values": [analytic_id]}}, term("id.keyword", analytic_id)]
            }
        },
        size=1,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = response["hits"]["hits"]
    if not hits:
        raise NotFound(f"no analytic with id {analytic_id}")
    return StoredAnalytic(hits[0]["_index"], hits[0]["_id"], hits[0]["_source"])


async def exists(*, es: AsyncElasticsearch, indices: Indices, analytic_id: str) -> bool:
    """Whether an analytic with this id is stored."""
    try:
        await find(es=es, indices=indices, analytic_id=analytic_id)
    except NotFound:
        return False
    return True


async def delete(*, es: AsyncElasticsearch, indices: Indices, analytic_id: str) -> bool:
    """Deletes an analytic and its result; False when there was none."""
    try:
        stored = await find(es=es, indices=indices, analytic_id=analytic_id)
    except NotFound:
        return False
    await es.delete(index=stored.index, id=stored.id, refresh="wait_for")
    return True


async def save_result(
    *, es: AsyncElasticsearch, stored: StoredAnalytic, result: dict[str, Any] | None
) -> None:
    """Writes a result into the analytic's own document, in the index it was read from (made
    visible at once: a refresh, not a wait for the next one)."""
    await es.update(index=stored.index, id=stored.id, doc={"result": result}, refresh=True)


async def find_many(
    *, es: AsyncElasticsearch, indices: Indices, analytic_ids: list[str]
) -> dict[str, StoredAnalytic]:
    """The analytics with these ids that exist (one search), by id."""
    if not analytic_ids:
        return {}
    response = await es.search(
        index=indices.analytics,
        query={
            "bool": {
                "should": [
                    {"ids": {"values": analytic_ids}},
                    {"terms": {"id.keyword": analytic_ids}},
                ]
            }
        },
        size=2 * len(analytic_ids),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    wanted = set(analytic_ids)
    found: dict[str, StoredAnalytic] = {}
    for hit in response["hits"]["hits"]:
        key = hit["_id"] if hit["_id"] in wanted else str(hit["_source"].get("id"))
        found.setdefault(key, StoredAnalytic(hit["_index"], hit["_id"], hit["_source"]))
    return found


async def save_results(
    *, es: AsyncElasticsearch, results: list[tuple[StoredAnalytic, dict[str, Any] | None]]
) -> list[str]:
    """Writes each result into its analytic's document in one `_bulk` (one refresh for all);
    returns the ids of the analytics deleted meanwhile. Any other refusal raises."""
    if not results:
        return []
    operations: list[dict[str, Any]] = []
    for stored, result in results:
        operations.append({"update": {"_index": stored.index, "_id": stored.id}})
        operations.append({"doc": {"result": result}})
    response = await es.bulk(operations=operations, refresh=True)
    gone: list[str] = []
    refused: list[str] = []
    for (stored, _), item in zip(results, response["items"], strict=True):
        answer = item.get("update") or {}
        if answer.get("status") == 404:
            gone.append(stored.id)
        elif answer.get("error"):
            refused.append(f"{stored.id}: {answer['error']}")
    if refused:
        raise RuntimeError(f"{len(refused)} results refused, first {refused[0]}")
    return gone


async def each(
    *, es: AsyncElasticsearch, indices: Indices, window_type: str | None = None
) -> AsyncIterator[StoredAnalytic]:
    """Every analytic, or those whose timespan is `moving` or `fixed`."""
    query: dict[str, Any] = {"match_all": {}}
    if window_type is not None:
        query = term("descriptor.timespan.type.keyword", window_type)
    async for hit in async_scan(
        es,
        index=indices.analytics,
        query={"query": query},
        ignore_unavailable=True,
        allow_no_indices=True,
    ):
        yield StoredAnalytic(hit["_index"], hit["_id"], hit["_source"])
