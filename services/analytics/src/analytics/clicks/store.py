"""Where the 1.x click counters meet Elasticsearch: the mapping of `logging-*` and the terms
aggregation counting logs."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch

from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term

_EXACT_TYPES = {"keyword", "long", "integer", "short", "byte", "double", "float", "boolean"}


async def exact_field(es: AsyncElasticsearch, indices: Indices, field: str) -> str | None:
    """The log field (or its `.keyword`) that matches whole values; None when it is not mapped."""
    caps = await es.field_caps(
        index=indices.logs,
        fields=[field, f"{field}.keyword"],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    found = caps.get("fields") or {}
    if "keyword" in (found.get(f"{field}.keyword") or {}):
        return f"{field}.keyword"
    types = set(found.get(field) or {})
    return field if types and types <= _EXACT_TYPES else None


async def count_per(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    match_field: str,
    value: str,
    per_field: str,
    project: str | None,
    at_most: int,
) -> tuple[dict[str, int], bool]:
    """Logs whose `match_field` is `value` (in a project, or any), counted per value of
    `per_field` (the `at_most` commonest); and whether more values existed than counted."""
    query = all_of(
        # A keyword matches whole values; lenient: a number field with a non-number matches none.
        {"match": {match_field: {"query": value, "lenient": True}}},
        term("project.keyword", project) if project else None,
    )
    aggs: dict[str, Any] = {"per": {"terms": {"field": per_field, "size": at_most}}}
    response = await es.search(
        index=indices.logs,
        query=query,
        aggs=aggs,
        size=0,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    per_agg = (response.get("aggregations") or {}).get("per") or {}
    counts = {str(b["key"]): int(b["doc_count"]) for b in per_agg.get("buckets", [])}
    return counts, bool(per_agg.get("sum_other_doc_count"))
