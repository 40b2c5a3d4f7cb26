"""Count analytics: users, messages, conversations, dialogue and bot metrics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analytics.analytic.compute.common import Context
from analytics.analytic.compute.store import buckets, distinct, window_query
from analytics.analytic.descriptors import (
    BotCount,
    ConversationCount,
    DialogueCount,
    MessageCount,
    UserCount,
)
from analytics.analytic.results import count_result
from analytics.storage.queries import term, time_range

USER = "userId.keyword"
MESSAGE = "messageId.keyword"
CONVERSATION = "conversationId.keyword"


def of_type(*types: str) -> dict[str, Any]:
    """Messages of these types."""
    return {"terms": {"type.keyword": list(types)}}


async def first_seen_in_window(
    ctx: Context, project: str, start: datetime | None, end: datetime, field: str
) -> int:
    """Values of a field seen in [start, end] and never before start (exact, paged)."""
    if start is None:
        return await _count_buckets(ctx, window_query(project, None, end), field)
    sub = {
        "first": {"min": {"field": "timestamp"}},
        "inside": {"filter": time_range(start, end)},
    }
    start_ms = start.timestamp() * 1000
    new = 0
    async for bucket in buckets(ctx, window_query(project, None, end), field, sub):
        first = bucket["first"]["value"]
        if bucket["inside"]["doc_count"] > 0 and first is not None and first >= start_ms:
            new += 1
    return new


async def _count_buckets(ctx: Context, query: dict[str, Any], field: str) -> int:
    return sum([1 async for _ in buckets(ctx, query, field)])


async def single_message_users(
    ctx: Context, project: str, start: datetime | None, end: datetime
) -> int:
    """Users who exchanged exactly one message in the window (the original's `bot: response`)."""
    query = window_query(project, start, end)
    return sum([1 async for b in buckets(ctx, query, USER) if b["doc_count"] == 1])


def distinct_target(
    descriptor: UserCount | MessageCount | ConversationCount | DialogueCount | BotCount,
) -> tuple[list[dict[str, Any]], str] | None:
    """(extra filters, field) of a count that is a distinct count over the window's messages;
    None for the metrics paged through users or conversations (`new`, bot `response`)."""
    match descriptor.dimension, descriptor.metric:
        case "user", "total":
            return [], USER
        case "user", "active":
            return [of_type("request")], USER
        case "user", "engaged":
            return [of_type("notification")], USER
        case "message", "requests":
            return [of_type("request")], MESSAGE
        case "message", "responses":
            return [of_type("response")], MESSAGE
        case "message", "notifications":
            return [of_type("notification")], MESSAGE
        case "message", "from_bot":
            return [of_type("response", "notification")], MESSAGE
        case "conversation", "total":
            return [], CONVERSATION
        case "dialogue", "fallback":
            return [term("intent.name.keyword", "default")], MESSAGE
        case "dialogue", "intents":
            return [], "intent.name.keyword"
        case "dialogue", "domains":
            return [], "domain.keyword"
    return None


async def count_value(
    ctx: Context,
    descriptor: UserCount | MessageCount | ConversationCount | DialogueCount | BotCount,
    start: datetime | None,
    end: datetime,
) -> int:
    """The number a count descriptor asks for."""
    project, metric = descriptor.project, descriptor.metric
    target = distinct_target(descriptor)
    if target is not None:
        extra, field = target
        return await distinct(ctx, window_query(project, start, end, *extra), field)
    match descriptor.dimension, metric:
        case "user", "new":
            return await first_seen_in_window(ctx, project, start, end, USER)
        case "conversation", "new":
            return await first_seen_in_window(ctx, project, start, end, CONVERSATION)
        case "bot", "response":
            return await single_message_users(ctx, project, start, end)
    raise ValueError(f"unknown count metric {descriptor.dimension}/{metric}")


async def compute_count(
    ctx: Context,
    descriptor: UserCount | MessageCount | ConversationCount | DialogueCount | BotCount,
    start: datetime | None,
    end: datetime,
) -> dict[str, Any]:
    """A count result for the descriptor over [start, end]."""
    return count_result(await count_value(ctx, descriptor, start, end), start, end)
