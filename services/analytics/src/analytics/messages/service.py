"""Storing, searching and deleting messages in `message-all` (older `message-<day>` indices are read too)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import BadRequest, NotFound

from analytics.messages.paging import decode_cursor, encode_cursor, page_sort
from analytics.messages.schemas import (
    NotificationMessage,
    RequestMessage,
    ResponseMessage,
    to_document,
)
from analytics.storage.bulk import (
    Write,
    bulk_index,
    delete_matching,
    raise_for_refused,
)
from analytics.storage.indices import Indices, as_utc
from analytics.storage.queries import all_of, term, time_range, timestamp_sort

AnyMessage: TypeAlias = RequestMessage | ResponseMessage | NotificationMessage
MAX_SIZE = 10000
MAX_PAGE = 1000  # messages per page of GET /messages/page
COUNT_UP_TO = 10000  # a page counts the matching messages this far, no further
_TRACE_NAMESPACE = uuid.UUID("6f1c1b1e-5a4e-4b7e-9a51-3f0a3a9a6d10")


def uuid5(namespace: uuid.UUID, name: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, without building UUID objects (it is on the hot path)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def trace_id(message: AnyMessage) -> str:
    """A trace id derived from what identifies a message, so a re-sent batch is not duplicated."""
    key = "\x1f".join(
        [
            message.project,
            message.userId,
            message.messageId,
            message.type,
            as_utc(message.timestamp).isoformat(),
        ]
    )
    return uuid5(_TRACE_NAMESPACE, key)


async def store(
    *, es: AsyncElasticsearch, indices: Indices, messages: Sequence[AnyMessage]
) -> list[str]:
    """Indexes messages into `message-all`; returns their trace ids in order."""
    writes = [Write(indices.message(m.timestamp), trace_id(m), to_document(m)) for m in messages]
    errors = await bulk_index(es, writes)
    raise_for_refused(
        errors, total=len(writes), kind="message", name_of=lambda i: messages[i].messageId
    )
    return [w.id for w in writes]


def _filter(
    *,
    project: str,
    from_time: datetime,
    to_time: datetime,
    user_id: str | None,
    channel: str | None,
    message_type: str | None,
    conversation_id: str | None,
) -> dict[str, Any]:
    if as_utc(from_time) > as_utc(to_time):
        raise BadRequest("fromTime must not be after toTime")
    return all_of(
        term("project.keyword", project),
        time_range(from_time, to_time),
        term("userId.keyword", user_id) if user_id else None,
        term("channel.keyword", channel) if channel else None,
        term("type.keyword", message_type) if message_type else None,
        term("conversationId.keyword", conversation_id) if conversation_id else None,
    )


async def search(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    project: str,
    from_time: datetime,
    to_time: datetime,
    user_id: str | None = None,
    channel: str | None = None,
    message_type: str | None = None,
    conversation_id: str | None = None,
    max_size: int = 1000,
) -> list[dict[str, Any]]:
    """Messages of a project in a time range, oldest first, at most max_size."""
    query = _filter(
        project=project,
        from_time=from_time,
        to_time=to_time,
        user_id=user_id,
        channel=channel,
        message_type=message_type,
        conversation_id=conversation_id,
    )
    response = await es.search(
        index=indices.messages,
        query=query,
        sort=timestamp_sort(),
        size=max_size,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    return [hit["_source"] for hit in response["hits"]["hits"]]


@dataclass(frozen=True)
class Page:
    """A page of messages (each with its traceId) and the cursor of the next one (None: last)."""

    messages: list[dict[str, Any]]
    next: str | None
    total: int  # how many match in all, counted up to COUNT_UP_TO
    more_than_total: bool  # True: at least `total` (the count stopped there)


async def page(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    project: str,
    from_time: datetime,
    to_time: datetime,
    user_id: str | None = None,
    channel: str | None = None,
    message_type: str | None = None,
    conversation_id: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    """A page of at most `limit` messages, oldest first, after the cursor's position."""
    query = _filter(
        project=project,
        from_time=from_time,
        to_time=to_time,
        user_id=user_id,
        channel=channel,
        message_type=message_type,
        conversation_id=conversation_id,
    )
    after = decode_cursor(cursor) if cursor is not None else None
    # One more than asked: whether a next page exists is known without a second search.
    response = await es.search(
        index=indices.messages,
        query=query,
        sort=page_sort(),
        size=limit + 1,
        search_after=after,
        track_total_hits=COUNT_UP_TO,
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = response["hits"]["hits"]
    shown = hits[:limit]
    more = len(hits) > limit
    return Page(
        messages=[{**hit["_source"], "traceId": hit["_id"]} for hit in shown],
        next=encode_cursor(shown[-1]["sort"]) if more else None,
        total=response["hits"]["total"]["value"],
        more_than_total=response["hits"]["total"]["relation"] == "gte",
    )


def _locate(
    trace_id: str | None, message_id: str | None, user_id: str | None, project: str | None
) -> dict[str, Any]:
    if trace_id:
        return {"ids": {"values": [trace_id]}}
    if message_id and user_id:
        return all_of(
            term("messageId.keyword", message_id),
            term("userId.keyword", user_id),
            term("project.keyword", project) if project else None,
        )
    raise BadRequest("specify either `traceId`, or `messageId` and `userId` (and maybe `project`)")


async def get(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None = None,
    message_id: str | None = None,
    user_id: str | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """One message with its traceId, by trace id or by (messageId, userId[, project])."""
    query = _locate(trace_id, message_id, user_id, project)
    response = await es.search(
        index=indices.messages,
        query=query,
        size=1,
        sort=timestamp_sort("desc"),
        ignore_unavailable=True,
        allow_no_indices=True,
    )
    hits = response["hits"]["hits"]
    if not hits:
        raise NotFound("resource not found")
    return {**hits[0]["_source"], "traceId": hits[0]["_id"]}


async def delete_one(
    *,
    es: AsyncElasticsearch,
    indices: Indices,
    trace_id: str | None = None,
    message_id: str | None = None,
    user_id: str | None = None,
    project: str | None = None,
) -> int:
    """Deletes the message(s) a trace id or (messageId, userId[, project]) names; how many.

    None is not an error: the original answered 200 for an unknown message too.
    """
    query = _locate(trace_id, message_id, user_id, project)
    return await delete_matching(es, indices.messages, query)


async def delete_user(*, es: AsyncElasticsearch, indices: Indices, user_id: str) -> int:
    """Deletes every message of a user in every message index; returns how many."""
    return await delete_matching(es, indices.messages, term("userId.keyword", user_id))
