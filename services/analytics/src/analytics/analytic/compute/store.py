"""Where computing analytics touches Elasticsearch: the messages' queries, one search or many.

Every search reads the messages indices (`ctx.indices.messages`) and answers aggregations only
(no hits, no total): one search (`aggregate`), a distinct count (`distinct`), every bucket of a
composite aggregation page after page (`buckets`), and many searches in one `_msearch`
(`aggregate_each`, the batch's).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from analytics.analytic.compute.common import Context
from analytics.storage.queries import all_of, term, time_range


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


async def aggregate_each(
    ctx: Context, searches: Sequence[tuple[dict[str, Any], dict[str, Any]]]
) -> list[dict[str, Any] | None]:
    """Each (query, aggregations)'s aggregations over the messages, the searches sent together
    in one `_msearch`; None for a search that failed (an error, or a shard failing)."""
    body: list[dict[str, Any]] = []
    for query, aggs in searches:
        body.append(
            {"index": ctx.indices.messages, "ignore_unavailable": True, "allow_no_indices": True}
        )
        body.append({"query": query, "aggs": aggs, "size": 0, "track_total_hits": False})
    response = await ctx.es.msearch(searches=body)
    answers: list[dict[str, Any] | None] = []
    for answer in response["responses"]:
        if "error" in answer or (answer.get("_shards") or {}).get("failed"):
            answers.append(None)
        else:
            answers.append(answer.get("aggregations") or {})
    return answers


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
