"""/performance: response times per message and per conversation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import WithJsonSchema

from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep
from analytics.documented import documented, schema_of
from analytics.errors import status_responses
from analytics.performance import service
from analytics.performance.schemas import (
    ConversationHit,
    ConversationPerformance,
    MessagePerformance,
)
from analytics.strict_types import MAX_NAME

PathName = Annotated[str, Path(min_length=1, max_length=MAX_NAME)]

# The hits (the original's answer), or with summary=true the response times.
CONVERSATION_ANSWER: Any = Annotated[
    list[dict[str, Any]] | dict[str, Any],
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": schema_of(ConversationHit)},
                schema_of(ConversationPerformance),
            ]
        }
    ),
]

router = APIRouter(prefix="/performance", tags=["performance"], dependencies=[ApiKey])


@router.get(
    "/message/{trace_id}",
    response_model=documented(MessagePerformance),
    responses=status_responses(404),
)
async def message_performance(es: EsDep, indices: IndicesDep, trace_id: PathName) -> Any:
    """A message's response time: for a request its answers, for a response its delay."""
    return await service.for_message(es=es, indices=indices, trace_id=trace_id)


@router.get(
    "/conversation/{conversation_id}",
    response_model=CONVERSATION_ANSWER,
    responses=status_responses(404),
)
async def conversation_performance(
    es: EsDep,
    indices: IndicesDep,
    conversation_id: PathName,
    summary: Annotated[
        bool,
        Query(description="false (default): the original's list of hits; true: response times"),
    ] = False,
) -> Any:
    """The conversation's messages as search hits (the original's answer, `[]` when none); with
    `summary=true`, every request → first response time with min/max/avg/median (404 when none)."""
    if not summary:
        return await service.conversation_hits(
            es=es, indices=indices, conversation_id=conversation_id
        )
    return await service.for_conversation(es=es, indices=indices, conversation_id=conversation_id)
