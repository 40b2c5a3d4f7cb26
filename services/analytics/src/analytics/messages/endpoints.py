"""/messages and /message: the original's paths, parameters and answers."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep, MessageFilterDep
from analytics.documented import documented, documented_list
from analytics.errors import status_responses
from analytics.messages import service
from analytics.messages.paging import MAX_CURSOR
from analytics.messages.schemas import Message, StatusResponse, StoredMessage, StoredResponse
from analytics.strict_types import Text

router = APIRouter(tags=["messages"], dependencies=[ApiKey])


@router.post(
    "/messages", status_code=201, response_model=StoredResponse, responses=status_responses(413)
)
async def post_messages(
    es: EsDep, indices: IndicesDep, messages: Annotated[list[Message], Body()]
) -> Any:
    """Stores a batch of messages; answers their trace ids in the order sent."""
    # Refused by Elasticsearch for its own reasons: StoreFailed, answered 503 + Retry-After.
    trace_ids = await service.store_batch(es=es, indices=indices, messages=messages)
    # Serialised here (orjson) rather than through response_model: this is the hot path.
    body = {"traceIds": trace_ids, "status": "Created: messages stored", "code": 201}
    return Response(orjson.dumps(body), 201, media_type="application/json")


@router.get(
    "/messages",
    response_model=documented_list(StoredMessage),
    responses=status_responses(),
)
async def get_messages(
    es: EsDep,
    indices: IndicesDep,
    where: MessageFilterDep,
    maxSize: Annotated[int, Query(ge=0, le=service.MAX_SIZE)] = 1000,
) -> Any:
    """Messages of a project between fromTime and toTime, oldest first (at most maxSize).

    Not paged, as the original: `GET /messages/page` pages through any number of them.
    """
    return await service.search(es=es, indices=indices, where=where, max_size=maxSize)


class MessagePage(BaseModel):
    """GET /messages/page's answer: up to `limit` messages and the cursor of the next page."""

    messages: documented_list(StoredMessage) = Field(  # type: ignore[valid-type]
        description="oldest first, each with its `traceId`"
    )
    next: str | None = Field(
        description="pass as `cursor` for the next page; null on the last page"
    )
    total: int = Field(description="how many messages match in all, counted up to 10,000")
    totalIsLowerBound: bool = Field(description="true: at least `total` (counting stopped)")


@router.get("/messages/page", response_model=MessagePage, responses=status_responses())
async def get_message_page(
    es: EsDep,
    indices: IndicesDep,
    where: MessageFilterDep,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 100,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_CURSOR, description="`next` of the previous page"),
    ] = None,
) -> Any:
    """A page of a project's messages between fromTime and toTime, oldest first, with traceIds.

    The filters of `GET /messages`; `next` is the opaque cursor of the following page (null at
    the end): a page costs `limit` hits whatever its depth.
    """
    found = await service.page(es=es, indices=indices, where=where, limit=limit, cursor=cursor)
    return {
        "messages": found.messages,
        "next": found.next,
        "total": found.total,
        "totalIsLowerBound": found.more_than_total,
    }


@router.delete("/messages", response_model=StatusResponse, responses=status_responses())
async def delete_messages(es: EsDep, indices: IndicesDep, userId: Text) -> Any:
    """Deletes every message of a user, in every message index."""
    await service.delete_user(es=es, indices=indices, user_id=userId)
    return {"status": "Ok: message deleted", "code": 200}


@router.get("/message", response_model=documented(StoredMessage), responses=status_responses(404))
async def get_message(
    es: EsDep,
    indices: IndicesDep,
    traceId: Text | None = None,
    messageId: Text | None = None,
    userId: Text | None = None,
    project: Text | None = None,
) -> Any:
    """One message (with its traceId), by traceId or by messageId and userId [and project]."""
    key = service.message_key(traceId, messageId, userId, project)
    return await service.get(es=es, indices=indices, key=key)


@router.delete("/message", response_model=StatusResponse, responses=status_responses())
async def delete_message(
    es: EsDep,
    indices: IndicesDep,
    traceId: Text | None = None,
    messageId: Text | None = None,
    userId: Text | None = None,
    project: Text | None = None,
) -> Any:
    """Deletes one message, by traceId or by messageId and userId [and project]; 200 even if none."""
    key = service.message_key(traceId, messageId, userId, project)
    await service.delete_one(es=es, indices=indices, key=key)
    return {"status": "Ok: message deleted", "code": 200}
