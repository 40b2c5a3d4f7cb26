"""The answers of /performance (built by the service; these models document them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MessageBrief(BaseModel):
    """A message of a request/response pair."""

    traceId: str
    messageId: str
    timestamp: str
    responseTimeMs: float | None = Field(None, description="a response's: after its request")


class MessagePerformance(BaseModel):
    """GET /performance/message/{traceId}: a request's responses, or a response's delay."""

    traceId: str
    messageId: str
    type: str
    project: str
    userId: str
    conversationId: str | None
    request: MessageBrief | None
    responses: list[MessageBrief]
    responseTimeMs: float | None


class ConversationHit(BaseModel):
    """The original's answer: one message of the conversation as a search hit."""

    index: str = Field(alias="_index")
    type: str = Field("_doc", alias="_type")
    id: str = Field(alias="_id")
    score: float | None = Field(None, alias="_score")
    source: dict[str, Any] = Field(alias="_source", description="the message as stored")


class LatencySummary(BaseModel):
    """count, min, max, avg and median of response times, ms (null when there are none)."""

    count: int
    min: float | None
    max: float | None
    avg: float | None
    median: float | None


class ResponsePair(BaseModel):
    """A request and its first response."""

    requestId: str
    responseId: str
    userId: str
    responseTimeMs: float


class ConversationPerformance(BaseModel):
    """GET /performance/conversation/{id}?summary=true."""

    conversationId: str
    messages: int
    requests: int
    responses: int
    notifications: int
    answered: int
    unanswered: int
    responseTimeMs: LatencySummary
    pairs: list[ResponsePair]
