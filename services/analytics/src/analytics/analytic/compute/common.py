"""What every computation needs: the client, the indices, the cardinality precision."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch

from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term, time_range
from analytics.taskmanager.client import TaskManager


@dataclass(frozen=True)
class Context:
    """The cluster and settings a computation runs against."""

    es: AsyncElasticsearch
    indices: Indices
    precision_threshold: int = 40000
    # Task and transaction analytics read it; None when TASK_MANAGER_URL is not set.
    task_manager: TaskManager | None = None
    # Within one batch: reads several analytics need (the same query's answer), made once.
    shared: dict[Any, asyncio.Future[Any]] | None = None


async def once(ctx: Context, key: Any, make: Callable[[], Awaitable[Any]]) -> Any:
    """`make()`'s answer; within a batch (ctx.shared) made once for every caller with this key."""
    if ctx.shared is None:
        return await make()
    future = ctx.shared.get(key)
    if future is None:
        future = ctx.shared[key] = asyncio.ensure_future(make())
    return await asyncio.shield(future)


def window_query(
    project: str, start: datetime | None, end: datetime, *extra: dict[str, Any] | None
) -> dict[str, Any]:
    """A project's messages in [start, end], with extra filters."""
    return all_of(term("project.keyword", project), time_range(start, end), *extra)


async def aggregate(ctx: Context, query: dict[str, Any], aggs: dict[str, Any]) -> dict[str, Any]:
    """Runs aggregations over the messages a query matches; returns the aggregations."""
    response = await ctx.es.search(
        index=ctx.indices.messages,
        query=query,
        aggs=aggs,
        size=0,
        track_total_hits=False,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return response.get("aggregations") or {}


async def distinct(ctx: Context, query: dict[str, Any], field: str) -> int:
    """Distinct values of a field (the cardinality aggregation, CARDINALITY_PRECISION_THRESHOLD)."""
    aggs = {
        "distinct": {
            "cardinality": {"field": field, "precision_threshold": ctx.precision_threshold}
        }
    }
    result = await aggregate(ctx, query, aggs)
    return int((result.get("distinct") or {}).get("value") or 0)


async def buckets(
    ctx: Context,
    query: dict[str, Any],
    field: str,
    sub_aggs: dict[str, Any] | None = None,
    *,
    page: int = 5000,
) -> AsyncIterator[dict[str, Any]]:
    """Every bucket of a composite aggregation on one field, page after page (exact, unbounded)."""
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {
            "size": page,
            "sources": [{"key": {"terms": {"field": field}}}],
        }
        if after is not None:
            composite["after"] = after
        agg: dict[str, Any] = {"composite": composite}
        if sub_aggs:
            agg["aggs"] = sub_aggs
        result = (await aggregate(ctx, query, {"pages": agg})).get("pages") or {}
        for bucket in result.get("buckets", []):
            yield bucket
        after = result.get("after_key")
        if not after or len(result.get("buckets", [])) < page:
            return
