"""Request → response latency computed from stored messages (`responseTo` names the request);
the reads are in store.py."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from meridian_kit.errors import NotFound

from analytics.performance import store
from analytics.storage.indices import Indices, as_utc


def _moment(doc: dict[str, Any]) -> datetime:
    return as_utc(datetime.fromisoformat(doc["timestamp"]))


def latency_ms(request: dict[str, Any], response: dict[str, Any]) -> float:
    """Milliseconds between a request and a response."""
    return (_moment(response) - _moment(request)).total_seconds() * 1000.0


def summary(latencies: list[float]) -> dict[str, float | int | None]:
    """count, min, max, avg and median of some latencies (None when there are none)."""
    if not latencies:
        return {"count": 0, "min": None, "max": None, "avg": None, "median": None}
    return {
        "count": len(latencies),
        "min": min(latencies),
        "max": max(latencies),
        "avg": statistics.fmean(latencies),
        "median": statistics.median(latencies),
    }


def _brief(hit: dict[str, Any], request: dict[str, Any] | None = None) -> dict[str, Any]:
    source = hit["_source"]
    out = {
        "traceId": hit["_id"],
        "messageId": source["messageId"],
        "timestamp": source["timestamp"],
    }
    if request is not None:
        out["responseTimeMs"] = latency_ms(request, source)
    return out


async def for_message(*, es: AsyncElasticsearch, indices: Indices, trace_id: str) -> dict:
    """The response time(s) of one message: a request's answers, or a response's delay."""
    hit = await store.message(es=es, indices=indices, trace_id=trace_id)
    if hit is None:
        raise NotFound(f"no message with traceId {trace_id}")
    message = hit["_source"]
    mine = {"project": message["project"], "user_id": message["userId"]}
    request_hit: dict[str, Any] | None = None
    responses: list[dict[str, Any]] = []
    if message["type"] == "request":
        request_hit = hit
        responses = await store.responses_to(
            es=es, indices=indices, message_id=message["messageId"], **mine
        )
    elif message["type"] == "response" and message.get("responseTo"):
        request_hit = await store.request(
            es=es, indices=indices, message_id=message["responseTo"], **mine
        )
        responses = [hit]
    request = request_hit["_source"] if request_hit else None
    answers = [_brief(r, request) for r in responses] if request else []
    return {
        "traceId": hit["_id"],
        "messageId": message["messageId"],
        "type": message["type"],
        "project": message["project"],
        "userId": message["userId"],
        "conversationId": message.get("conversationId"),
        "request": _brief(request_hit) if request_hit else None,
        "responses": answers,
        "responseTimeMs": answers[0]["responseTimeMs"] if answers else None,
    }


async def conversation_hits(
    *, es: AsyncElasticsearch, indices: Indices, conversation_id: str
) -> list[dict[str, Any]]:
    """The original's answer: the conversation's messages as search hits (oldest first, at
    most 1000), `[]` when there are none."""
    hits = await store.conversation_hits(es=es, indices=indices, conversation_id=conversation_id)
    return [
        {
            "_index": hit["_index"],
            "_type": "_doc",
            "_id": hit["_id"],
            "_score": hit.get("_score"),
            "_source": hit["_source"],
        }
        for hit in hits
    ]


async def for_conversation(
    *, es: AsyncElasticsearch, indices: Indices, conversation_id: str
) -> dict[str, Any]:
    """Every request → first response latency in a conversation, with their summary."""
    messages = [
        m async for m in store.conversation(es=es, indices=indices, conversation_id=conversation_id)
    ]
    if not messages:
        raise NotFound(f"no message in conversation {conversation_id}")
    responses: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for m in messages:
        if m["type"] == "response" and m.get("responseTo"):
            key = (m["project"], m["userId"], m["responseTo"])
            responses.setdefault(key, []).append(m)
    requests = sorted((m for m in messages if m["type"] == "request"), key=_moment)
    pairs = []
    for request in requests:
        answers = responses.get((request["project"], request["userId"], request["messageId"]))
        if answers:
            first = min(answers, key=_moment)
            pairs.append(
                {
                    "requestId": request["messageId"],
                    "responseId": first["messageId"],
                    "userId": request["userId"],
                    "responseTimeMs": latency_ms(request, first),
                }
            )
    count = {t: sum(1 for m in messages if m["type"] == t) for t in ("request", "response")}
    return {
        "conversationId": conversation_id,
        "messages": len(messages),
        "requests": count["request"],
        "responses": count["response"],
        "notifications": len(messages) - count["request"] - count["response"],
        "answered": len(pairs),
        "unanswered": count["request"] - len(pairs),
        "responseTimeMs": summary([p["responseTimeMs"] for p in pairs]),
        "pairs": pairs,
    }
