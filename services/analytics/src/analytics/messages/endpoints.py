"""/messages and /message: the original's paths, parameters and answers."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from meridian_kit.errors import BadRequest
from pydantic import BaseModel, Field

from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep
from analytics.documented import documented, documented_list
from analytics.errors import status_responses
from analytics.messages import service
from analytics.messages.paging import MAX_CURSOR
from analytics.messages.schemas import (
    MESSAGE_TYPES,
    Message,
    StatusResponse,
    StoredMessage,
    StoredResponse,
)
from analytics.storage.indices import as_utc
from analytics.strict_types import Moment, Text

router = APIRouter(tags=["messages"], dependencies=[ApiKey])


@router.post(
    "/messages", status_code=201, response_model=StoredResponse, responses=status_responses(413)
)
async def post_messages(
    es: EsDep, indices: IndicesDep, messages: Annotated[list[Message], Body()]
) -> Any:
    """Stores a batch of messages; answers their trace ids in the order sent."""
    # Refused by Elasticsearch for its own reasons: StoreFailed, answered 503 + Retry-After.
    trace_ids = await service.store(es=es, indices=indices, messages=messages)
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
    project: Text,
    fromTime: Moment,
    toTime: Moment,
    userId: Text | None = None,
    channel: Text | None = None,
    type: Annotated[
        Text | None, Query(description="request, response or notification, in any case")
    ] = None,
    maxSize: Annotated[int, Query(ge=0, le=service.MAX_SIZE)] = 1000,
    conversationId: Annotated[
        Text | None, Query(description="only this conversation's messages (not in the original)")
    ] = None,
) -> Any:
    """Messages of a project between fromTime and toTime, oldest first (at most maxSize).

    Not paged, as the original: `GET /messages/page` pages through any number of them.
    """
    if type is not None and type.lower() in MESSAGE_TYPES:
        type = type.lower()  # stored lowercase; another value matches nothing, as the original
    if maxSize == 0:
        if as_utc(fromTime) > as_utc(toTime):
            raise BadRequest("fromTime must not be after toTime")
        return []
    return await service.search(
        es=es,
        indices=indices,
        project=project,
        from_time=fromTime,
        to_time=toTime,
        user_id=userId,
        channel=channel,
        message_type=type,
        conversation_id=conversationId,
        max_size=maxSize,
    )


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
    project: Text,
    fromTime: Moment,
    toTime: Moment,
    userId: Text | None = None,
    channel: Text | None = None,
    type: Annotated[
        Text | None, Query(description="request, response or notification, in any case")
    ] = None,
    conversationId: Annotated[Text | None, Query(description="only this conversation")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 100,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_CURSOR, description="`next` of the previous page"),
    ] = None,
) -> Any:
    """A page of a project's messages between fromTime and toTime, oldest first, with traceIds.

    The filters of `GET /messages` plus `conversationId`; `next` is the opaque cursor of the
    following page (null at the end): a page costs `limit` hits whatever its depth.
    """
    if type is not None and type.lower() in MESSAGE_TYPES:
        type = type.lower()
    found = await service.page(
        es=es,
        indices=indices,
        project=project,
        from_time=fromTime,
        to_time=toTime,
        user_id=userId,
        channel=channel,
        message_type=type,
        conversation_id=conversationId,
        limit=limit,
        cursor=cursor,
    )
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
    return await service.get(
        es=es,
        indices=indices,
        trace_id=traceId,
        message_id=messageId,
        user_id=userId,
        project=project,
    )


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
    await service.delete_one(
        es=es,
        indices=indices,
        trace_id=traceId,
        message_id=messageId,
        user_id=userId,
        project=project,
    )
    return {"status": "Ok: message deleted", "code": 200}
