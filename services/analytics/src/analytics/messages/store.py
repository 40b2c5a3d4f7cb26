"""Where messages meet Elasticsearch: every query on `message-*` (`message-all`, and the older
`message-<day>` indices until migration 5 moved them) is built and run here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from analytics.messages.paging import page_sort
from analytics.messages.schemas import MessageFilter, MessageKey
from analytics.storage.bulk import ItemError, Write, bulk_index, delete_matching
from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term, time_range, timestamp_sort

log = logging.getLogger("analytics.messages")
# Wildcard patterns that match no index yet are an empty answer, not an error.
_ANY_INDEX: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}
PIT_KEEP_ALIVE = "5m"  # between two pages of a stream (a slow reader waits between them)


def filter_query(where: MessageFilter) -> dict[str, Any]:
    """The bool filter of a MessageFilter (a None bound or filter is left out)."""
    return all_of(
        term("project.keyword", where.project),
        time_range(where.from_time, where.to_time),
        term("userId.keyword", where.user_id) if where.user_id else None,
        term("channel.keyword", where.channel) if where.channel else None,
        term("type.keyword", where.message_type) if where.message_type else None,
        term("conversationId.keyword", where.conversation_id) if where.conversation_id else None,
    )


def key_query(key: MessageKey) -> dict[str, Any]:
    """The query naming one message: its trace id, or its (messageId, userId[, project])."""
    if key.trace_id:
        return {"ids": {"values": [key.trace_id]}}
    return all_of(
        term("messageId.keyword", key.message_id),
        term("userId.keyword", key.user_id),
        term("project.keyword", key.project) if key.project else None,
    )


def _with_trace_id(hit: dict[str, Any]) -> dict[str, Any]:
    return {**hit["_source"], "traceId": hit["_id"]}


async def index(es: AsyncElasticsearch, writes: Sequence[Write]) -> list[ItemError]:
    """Indexes messages in one `_bulk`; the items Elasticsearch refused (empty: all stored)."""
    return await bulk_index(es, writes)


async def search(
    *, es: AsyncElasticsearch, indices: Indices, where: MessageFilter, size: int
) -> list[dict[str, Any]]:
    """The first `size` matching messages as stored, oldest first."""
    response = await es.search(
        index=indices.messages,
        query=filter_query(where),
        sort=timestamp_sort(),
        size=size,
        **_ANY_INDEX,
    )
    return [hit["_source"] for hit in response["hits"]["hits"]]


@dataclass(frozen=True)
class Hits:
    """Matching messages (each with its traceId and its sort key) and how many match in all."""

    messages: list[dict[str, Any]]
    sort_keys: list[list[Any]]
    total: int  # counted up to the bound asked for
    total_is_lower_bound: bool


async def after(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    where: MessageFilter,
    size: int,
    search_after: list[Any] | None,
    count_up_to: int,
) -> Hits:
    """At most `size` messages in paging order (messages/paging.py) after a sort key."""
    response = await es.search(
        index=indices.messages,
        query=filter_query(where),
        sort=page_sort(),
        size=size,
        search_after=search_after,
        track_total_hits=count_up_to,
        **_ANY_INDEX,
    )
    hits = response["hits"]["hits"]
    return Hits(
        messages=[_with_trace_id(hit) for hit in hits],
        sort_keys=[hit["sort"] for hit in hits],
        total=response["hits"]["total"]["value"],
        total_is_lower_bound=response["hits"]["total"]["relation"] == "gte",
    )


async def latest(
    *, es: AsyncElasticsearch, indices: Indices, key: MessageKey
) -> dict[str, Any] | None:
    """The newest message a key names, with its traceId; None when there is none."""
    response = await es.search(
        index=indices.messages,
        query=key_query(key),
        size=1,
        sort=timestamp_sort("desc"),
        **_ANY_INDEX,
    )
    hits = response["hits"]["hits"]
    return _with_trace_id(hits[0]) if hits else None


async def delete(*, es: AsyncElasticsearch, indices: Indices, key: MessageKey) -> int:
    """Deletes the messages a key names, in every message index; how many."""
    return await delete_matching(es, indices.messages, key_query(key))


async def delete_user(*, es: AsyncElasticsearch, indices: Indices, user_id: str) -> int:
    """Deletes every message of a user, in every message index; how many."""
    return await delete_matching(es, indices.messages, term("userId.keyword", user_id))


async def count(*, es: AsyncElasticsearch, indices: Indices, where: MessageFilter) -> int:
    """How many messages match."""
    answer = await es.count(index=indices.messages, query=filter_query(where), **_ANY_INDEX)
    return int(answer["count"])


async def pages(
    *, es: AsyncElasticsearch, indices: Indices, where: MessageFilter, size: int = 1000
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every matching message, oldest first (paging order), `size` at a time, each with its
    traceId: `search_after` over a point in time, so the whole read sees one moment of the
    indices and holds one page in memory, however many match."""
    opened = await es.open_point_in_time(
        index=indices.messages, keep_alive=PIT_KEEP_ALIVE, ignore_unavailable=True
    )
    pit_id = opened["id"]
    search_after: list[Any] | None = None
    try:
        while True:
            response = await es.search(
                pit={"id": pit_id, "keep_alive": PIT_KEEP_ALIVE},
                query=filter_query(where),
                sort=page_sort(),
                size=size,
                search_after=search_after,
                track_total_hits=False,
            )
            pit_id = response.get("pit_id", pit_id)
            hits = response["hits"]["hits"]
            if hits:
                yield [_with_trace_id(hit) for hit in hits]
            if len(hits) < size:
                return
            search_after = hits[-1]["sort"]
    finally:
        # a stream the client left stops here too
        try:
            await es.close_point_in_time(id=pit_id)
        except (ApiError, TransportError) as exc:  # it expires by itself after PIT_KEEP_ALIVE
            log.warning("could not close a point in time on %s: %r", indices.messages, exc)
