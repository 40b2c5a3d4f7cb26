"""Where response times meet Elasticsearch: the reads of `message-*` they are computed from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_scan

from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term, timestamp_sort

# Wildcard patterns that match no index yet are an empty answer, not an error.
_ANY_INDEX: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}
HITS = 1000  # hits one read answers at most (a message's responses, a conversation's messages)


async def _hits(es: AsyncElasticsearch, indices: Indices, query: dict[str, Any]) -> list[dict]:
    response = await es.search(
        index=indices.messages, query=query, sort=timestamp_sort(), size=HITS, **_ANY_INDEX
    )
    return response["hits"]["hits"]


async def message(*, es: AsyncElasticsearch, indices: Indices, trace_id: str) -> dict | None:
    """The hit of the message with this trace id; None when there is none."""
    hits = await _hits(es, indices, {"ids": {"values": [trace_id]}})
    return hits[0] if hits else None


async def responses_to(
    *, es: AsyncElasticsearch, indices: Indices, project: str, user_id: str, message_id: str
) -> list[dict]:
    """The hits of a user's responses to one of their requests, oldest first."""
    query = all_of(
        term("project.keyword", project),
        term("userId.keyword", user_id),
        term("type.keyword", "response"),
        term("responseTo.keyword", message_id),
    )
    return await _hits(es, indices, query)


async def request(
    *, es: AsyncElasticsearch, indices: Indices, project: str, user_id: str, message_id: str
) -> dict | None:
    """The hit of a user's request with this messageId (the oldest); None when there is none."""
    query = all_of(
        term("project.keyword", project),
        term("userId.keyword", user_id),
        term("type.keyword", "request"),
        term("messageId.keyword", message_id),
    )
    found = await _hits(es, indices, query)
    return found[0] if found else None


async def conversation_hits(
    *, es: AsyncElasticsearch, indices: Indices, conversation_id: str
) -> list[dict]:
    """A conversation's first HITS messages as search hits, oldest first."""
    return await _hits(es, indices, term("conversationId.keyword", conversation_id))


async def conversation(
    *, es: AsyncElasticsearch, indices: Indices, conversation_id: str
) -> AsyncIterator[dict[str, Any]]:
    """Every message of a conversation as stored, in no order (a scroll)."""
    async for hit in async_scan(
        es,
        index=indices.messages,
        query={"query": term("conversationId.keyword", conversation_id)},
        **_ANY_INDEX,
    ):
        yield hit["_source"]
