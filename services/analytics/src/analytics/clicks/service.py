"""Counting logged clicks by `metadata.eventId` / `metadata.userId` (the 1.x counters); the
queries are in store.py."""

from __future__ import annotations

from elasticsearch import AsyncElasticsearch

from analytics.clicks import store
from analytics.storage.indices import Indices

# Distinct events (or users) counted in one answer; the answer says when there were more.
MAX_BUCKETS = 10000


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
    more values existed than counted. A field no log has (not mapped) counts nothing."""
    match_field = await store.exact_field(es, indices, f"metadata.{match}")
    per_field = await store.exact_field(es, indices, f"metadata.{per}")
    if match_field is None or per_field is None:
        return {}, False
    return await store.count_per(
        es=es,
        indices=indices,
        match_field=match_field,
        value=value,
        per_field=per_field,
        project=project,
        at_most=MAX_BUCKETS,
    )
