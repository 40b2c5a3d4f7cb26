"""What each export file holds, for `analytics-export` and `GET /export/{table}` alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.helpers import async_scan
from meridian_kit.errors import BadRequest

from analytics.analytic.compute import Context
from analytics.analytic.descriptors import FixedWindow, MovingWindow
from analytics.exports.tables import (
    MessageDigest,
    Row,
    analytic_rows,
    order,
    question_rows,
    user_rows,
)
from analytics.storage.indices import Indices
from analytics.storage.queries import all_of, term, time_range

USER_COLUMNS = ["user id", "questions", "answers", "first activity", "last activity"]


async def analytics_file(
    ctx: Context, project: str, window: MovingWindow | FixedWindow, top: list[Row]
) -> list[Row]:
    """The analytics file: header, a blank row, `metric,count,description` rows."""
    rows = await analytic_rows(ctx, project, window)
    return [*top, [], ["metric", "count", "description"], *rows]


def questions_file(data: MessageDigest, top: list[Row]) -> list[Row]:
    """The questions file: header, `total questions`, a blank row, `question,answer` rows."""
    questions = question_rows(data)
    return [*top, ["total questions", len(questions)], [], ["question", "answer"], *questions]


def users_file(data: MessageDigest, top: list[Row]) -> list[Row]:
    """The users file: header, `total users`, a blank row, one row per user."""
    users = user_rows(data)
    return [*top, ["total users", len(users)], [], USER_COLUMNS, *users]


def message_query(
    project: str, start: datetime | None, end: datetime, *filters: dict[str, Any] | None
) -> dict[str, Any]:
    """A project's messages in [start, end], narrowed by any further term filters."""
    return all_of(term("project.keyword", project), time_range(start, end), *filters)


async def count_messages(es: AsyncElasticsearch, indices: Indices, query: dict[str, Any]) -> int:
    """How many messages a query matches."""
    answer = await es.count(
        index=indices.messages, query=query, ignore_unavailable=True, allow_no_indices=True
    )
    return int(answer["count"])


async def read_messages(
    es: AsyncElasticsearch,
    indices: Indices,
    query: dict[str, Any],
    *,
    at_most: int | None = None,
    seen: Any = None,
) -> list[dict[str, Any]]:
    """The messages a query matches, oldest first, each with its traceId.

    With `at_most`, more than that many is a 400 saying how many there are (nothing is read);
    `seen(n)` is told of each message read (the CLI's progress bar).
    """
    if at_most is not None:
        total = await count_messages(es, indices, query)
        if total > at_most:
            raise BadRequest(
                f"the window holds {total} messages, more than the {at_most} an export may "
                "hold: narrow fromTime/toTime, or page with GET /messages/page"
            )
    out = []
    async for hit in async_scan(
        es,
        index=indices.messages,
        query={"query": query},
        size=2000,
        ignore_unavailable=True,
        allow_no_indices=True,
    ):
        out.append({**hit["_source"], "traceId": hit["_id"]})
        if seen is not None:
            seen(1)
    out.sort(key=lambda m: (order(m["timestamp"]), m["messageId"]))
    return out
