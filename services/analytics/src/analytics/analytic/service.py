"""Analytics kept and queued: creating, reading, listing, deleting and asking for computation;
the documents are in store.py, the computing in compute/ (run by the worker)."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import BadRequest
from redis.asyncio import Redis

from analytics.analytic import store
from analytics.analytic.descriptors import AnyDescriptor
from analytics.ratelimit import check_rate
from analytics.settings import Settings
from analytics.storage.indices import Indices
from analytics.worker.queue import JobQueue

MAX_LIST = 100  # analytics per page of GET /analytic/list
MAX_LIST_WINDOW = store.MAX_LIST_WINDOW


def v1_result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """A result as 1.x named its parts: a segmentation's `segments` were its `counts`."""
    if isinstance(result, dict) and "segments" in result:
        result = {("counts" if k == "segments" else k): v for k, v in result.items()}
    return result


def one_id(id: str | None, static_id: str | None) -> str:
    """The analytic asked for, by `id` or 1.x's `staticId`; a 400 when neither is given."""
    analytic_id = id if id is not None else static_id
    if analytic_id is None:
        raise BadRequest("missing required parameter `id`")
    return analytic_id


async def create(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    jobs: JobQueue,
    descriptor: AnyDescriptor,
    compute_now: bool,
) -> str:
    """Stores a descriptor with no result yet (queued for computing at once when asked, as 1.x
    computed on creation); its id."""
    analytic_id = await store.create(es=es, indices=indices, descriptor=descriptor)
    if compute_now:
        await jobs.update_analytic(analytic_id)
    return analytic_id


async def read(
    *, es: AsyncElasticsearch, indices: Indices, analytic_id: str, as_v1: bool
) -> dict[str, Any]:
    """`{id, descriptor, result}`, or 1.x's `{staticId, query, result}`; 404 when unknown."""
    stored = await store.find(es=es, indices=indices, analytic_id=analytic_id)
    document = stored.document
    found_id = document.get("id", stored.id)
    if as_v1:
        return {
            "staticId": found_id,
            "query": document["descriptor"],
            "result": v1_result(document.get("result")),
        }
    return {"id": found_id, "descriptor": document["descriptor"], "result": document.get("result")}


async def listing(
    *, es: AsyncElasticsearch, indices: Indices, project: str | None, offset: int, limit: int
) -> dict[str, Any]:
    """`{total, offset, limit, analytics}`, newest first; offset + limit within 10,000."""
    if offset + limit > MAX_LIST_WINDOW:
        raise BadRequest(f"offset + limit must be at most {MAX_LIST_WINDOW}: narrow by `project`")
    found = await store.listing(es=es, indices=indices, project=project, offset=offset, limit=limit)
    return {
        "total": found.total,
        "offset": offset,
        "limit": limit,
        "analytics": [
            {
                "id": a.document.get("id", a.id),
                # a 1.x document not yet migrated (migration 4) names it `query`
                "descriptor": a.document.get("descriptor") or a.document.get("query") or {},
                "result": a.document.get("result"),
            }
            for a in found.analytics
        ],
    }


async def delete(*, es: AsyncElasticsearch, indices: Indices, analytic_id: str) -> None:
    """Deletes an analytic and its result, known or not (the original answered alike)."""
    await store.delete(es=es, indices=indices, analytic_id=analytic_id)


async def compute(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    jobs: JobQueue,
    redis: Redis,
    settings: Settings,
    analytic_id: str | None,
    window_type: str | None,
) -> None:
    """Queues one analytic (an unknown one: nothing), every one of a window type, or every one,
    once; counted against the compute rate limit first (RateLimited: 429)."""
    await check_rate(
        redis,
        f"{settings.redis_key_prefix}analytics:rate:compute",
        limit=settings.compute_rate_limit,
        window=settings.compute_rate_window,
    )
    if analytic_id is not None:
        if await store.exists(es=es, indices=indices, analytic_id=analytic_id):
            await jobs.update_analytic(analytic_id)
    else:
        await jobs.update_analytics(window_type)
