"""Messages: trace ids, windows, cursors and answers; their queries are in store.py."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import BadRequest, NotFound

from analytics.messages import store
from analytics.messages.paging import decode_cursor, encode_cursor
from analytics.messages.schemas import (
    MessageFilter,
    MessageKey,
    NotificationMessage,
    RequestMessage,
    ResponseMessage,
    to_document,
)
from analytics.storage.bulk import Write, raise_for_refused
from analytics.storage.indices import Indices, as_utc

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


async def store_batch(
    *, es: AsyncElasticsearch, indices: Indices, messages: Sequence[AnyMessage]
) -> list[str]:
    """Indexes messages into `message-all`; returns their trace ids in order."""
    writes = [Write(indices.message(m.timestamp), trace_id(m), to_document(m)) for m in messages]
    errors = await store.index(es, writes)
    raise_for_refused(
        errors, total=len(writes), kind="message", name_of=lambda i: messages[i].messageId
    )
    return [w.id for w in writes]


def check_window(where: MessageFilter) -> None:
    """A 400 when the filter's window ends before it starts."""
    if where.from_time is not None and as_utc(where.from_time) > as_utc(where.to_time):
        raise BadRequest("fromTime must not be after toTime")


async def search(
    *, es: AsyncElasticsearch, indices: Indices, where: MessageFilter, max_size: int = 1000
) -> list[dict[str, Any]]:
    """Messages of a project in a time range, oldest first, at most max_size (0: none)."""
    check_window(where)
    if max_size == 0:
        return []
    return await store.search(es=es, indices=indices, where=where, size=max_size)


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
    where: MessageFilter,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    """A page of at most `limit` messages, oldest first, after the cursor's position."""
    check_window(where)
    search_after = decode_cursor(cursor) if cursor is not None else None
    # One more than asked: whether a next page exists is known without a second search.
    found = await store.after(
        es=es,
        indices=indices,
        where=where,
        size=limit + 1,
        search_after=search_after,
        count_up_to=COUNT_UP_TO,
    )
    more = len(found.messages) > limit
    return Page(
        messages=found.messages[:limit],
        next=encode_cursor(found.sort_keys[limit - 1]) if more else None,
        total=found.total,
        more_than_total=found.total_is_lower_bound,
    )


def message_key(
    trace_id: str | None, message_id: str | None, user_id: str | None, project: str | None
) -> MessageKey:
    """A message named by traceId, or by messageId and userId [and project]; else a 400."""
    if trace_id:
        return MessageKey(trace_id=trace_id)
    if message_id and user_id:
        return MessageKey(message_id=message_id, user_id=user_id, project=project)
    raise BadRequest("specify either `traceId`, or `messageId` and `userId` (and maybe `project`)")


async def get(*, es: AsyncElasticsearch, indices: Indices, key: MessageKey) -> dict[str, Any]:
    """One message with its traceId (the newest the key names); 404 when none."""
    found = await store.latest(es=es, indices=indices, key=key)
    if found is None:
        raise NotFound("resource not found")
    return found


async def delete_one(*, es: AsyncElasticsearch, indices: Indices, key: MessageKey) -> int:
    """Deletes the message(s) a key names; how many.

    None is not an error: the original answered 200 for an unknown message too.
    """
    return await store.delete(es=es, indices=indices, key=key)


async def delete_user(*, es: AsyncElasticsearch, indices: Indices, user_id: str) -> int:
    """Deletes every message of a user in every message index; returns how many."""
    return await store.delete_user(es=es, indices=indices, user_id=user_id)
