"""Counting logged clicks by `metadata.eventId` / `metadata.userId` (the 1.x counters)."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch

from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term

# Distinct events (or users) counted in one answer; the answer says when there were more.
MAX_BUCKETS = 10000
_EXACT_TYPES = {"keyword", "long", "integer", "short", "byte", "double", "float", "boolean"}


async def exact_field(es: AsyncElasticsearch, index: str, field: str) -> str | None:
    """The field (or its `.keyword`) that matches whole values; None when it is not mapped."""
    caps = await es.field_caps(
        index=index,
        fields=[field, f"{field}.keyword"],
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    found = caps.get("fields") or {}
    if "keyword" in (found.get(f"{field}.keyword") or {}):
        return f"{field}.keyword"
    types = set(found.get(field) or {})
    return field if types and types <= _EXACT_TYPES else None


async def clicks(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    match: str,
    value: str,
    per: str,
    project: str | None = None,
) -> tuple[dict[str, int], bool]:
    """Logs whose `metadata.<match>` is `value`, counted per `metadata.<per>`; and whether
    more values existed than counted."""
    match_field = await exact_field(es, indices.logs, f"metadata.{match}")
    per_field = await exact_field(es, indices.logs, f"metadata.{per}")
    if match_field is None or per_field is None:
        return {}, False
    query = all_of(
        # A keyword matches whole values; lenient: a number field with a non-number matches none.
        {"match": {match_field: {"query": value, "lenient": True}}},
        term("project.keyword", project) if project else None,
    )
    aggs: dict[str, Any] = {
        "per": {"terms": {"field": per_field, "size": MAX_BUCKETS}},
    }
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
