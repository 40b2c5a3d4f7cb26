"""What each export file holds, for `analytics-export` and `GET /export/{table}` alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from elasticsearch import AsyncElasticsearch
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
from analytics.messages import store as messages_store
from analytics.messages.schemas import MessageFilter
from analytics.storage.indices import Indices

PAGE = 1000  # messages read per search
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


async def count_messages(es: AsyncElasticsearch, indices: Indices, where: MessageFilter) -> int:
    """How many messages a filter matches."""
    return await messages_store.count(es=es, indices=indices, where=where)


def message_pages(
    es: AsyncElasticsearch, indices: Indices, where: MessageFilter
) -> AsyncIterator[list[dict[str, Any]]]:
    """The messages a filter matches, a page at a time, oldest first, each with its traceId
    (one page in memory whatever their number: what GET /export/messages streams)."""
    return messages_store.pages(es=es, indices=indices, where=where, size=PAGE)


async def read_messages(
    es: AsyncElasticsearch,
    indices: Indices,
    where: MessageFilter,
    *,
    at_most: int | None = None,
    seen: Any = None,
) -> list[dict[str, Any]]:
    """The messages a filter matches, oldest first, each with its traceId, all in memory (the
    questions and users files are built from all of them).

    With `at_most`, more than that many is a 400 saying how many there are (nothing is read);
    `seen(n)` is told of each page read (the CLI's progress bar).
    """
    if at_most is not None:
        total = await count_messages(es, indices, where)
        if total > at_most:
            raise BadRequest(
                f"the window holds {total} messages, more than the {at_most} an export may "
                "hold: narrow fromTime/toTime, or page with GET /messages/page"
            )
    out: list[dict[str, Any]] = []
    async for page in message_pages(es, indices, where):
        out.extend(page)
        if seen is not None:
            seen(len(page))
    out.sort(key=lambda m: (order(m["timestamp"]), m["messageId"]))
    return out
