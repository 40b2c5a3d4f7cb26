"""GET /export/{table}: the files `analytics-export` writes, downloaded (the messages streamed)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from elasticsearch import AsyncElasticsearch
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response, StreamingResponse
from meridian_kit.errors import BadRequest

from analytics.analytic.compute import Context
from analytics.analytic.descriptors import FixedWindow, MovingWindow
from analytics.analytic.timewindow import bounds
from analytics.auth import ApiKey
from analytics.deps import EsDep, IndicesDep, SettingsDep
from analytics.documented import schema_of
from analytics.errors import status_responses
from analytics.exports.cli import ExportError, parse_window
from analytics.exports.files import (
    analytics_file,
    message_pages,
    questions_file,
    read_messages,
    users_file,
)
from analytics.exports.tables import Row, digest, header
from analytics.messages.schemas import MessageFilter, StoredMessage, message_type_of
from analytics.storage.indices import Indices
from analytics.strict_types import Moment, Text

router = APIRouter(prefix="/export", tags=["exports"], dependencies=[ApiKey])

# messages the questions and users files are built from at most (they hold them all at once)
MAX_EXPORT_MESSAGES = 10000
MESSAGE_COLUMNS = [
    "traceId",
    "timestamp",
    "type",
    "userId",
    "conversationId",
    "channel",
    "messageId",
    "responseTo",
    "content",
    "intent",
    "domain",
]
_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json",
}
_ROW = {
    "type": "array",
    "items": {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]},
}
_JSON_FILE = {
    "type": "array",
    "description": "messages: the messages as stored, each with its traceId; else the rows",
    "items": {"anyOf": [schema_of(StoredMessage), _ROW]},
}
_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the file, as an attachment",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/tab-separated-values": {"schema": {"type": "string"}},
            "application/json": {"schema": _JSON_FILE},
        },
    },
    **status_responses(),
}


def _window(
    time_range: str | None, start: datetime | None, end: datetime | None
) -> MovingWindow | FixedWindow:
    if (start is None) != (end is None):
        raise BadRequest("give both fromTime and toTime (or timeRange)")
    try:
        return parse_window(
            time_range, start.isoformat() if start else None, end.isoformat() if end else None
        )
    except ExportError as exc:
        raise BadRequest(f"timeRange/fromTime/toTime: {exc}") from None


def _cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting = + - @ (a formula) gets a leading '."""
    if isinstance(value, dict | list):
        value = orjson.dumps(value).decode()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _text_file(rows: list[Row], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _content(message: dict[str, Any]) -> Any:
    content = message.get("content")
    if isinstance(content, dict) and "value" in content:
        return content["value"]
    return content


def _message_rows(messages: list[dict[str, Any]]) -> list[Row]:
    """The column names, then a row per message."""
    rows: list[Row] = [MESSAGE_COLUMNS]
    for m in messages:
        intent = m.get("intent")
        row = {**m, "content": _content(m), "intent": (intent or {}).get("name")}
        rows.append([row.get(column) for column in MESSAGE_COLUMNS])
    return rows


def _file_name(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(parts))[:120]


@router.get("/{table}", response_class=Response, responses=_FILE_RESPONSES)
async def export_table(
    es: EsDep,
    indices: IndicesDep,
    settings: SettingsDep,
    table: Annotated[
        Literal["analytics", "questions", "users", "messages"],
        Path(description="which file of `analytics-export` (-af, -qf, -uf, -mf)"),
    ],
    project: Text,
    timeRange: Annotated[
        Text | None, Query(description="TODAY, 1D, 7D, 10D, 30D, <N>D|W|M|Y or ALL")
    ] = None,
    fromTime: Moment | None = None,
    toTime: Moment | None = None,
    userId: Text | None = None,
    channel: Text | None = None,
    type: Annotated[Text | None, Query(description="request, response or notification")] = None,
    conversationId: Text | None = None,
    format: Annotated[
        Literal["csv", "tsv", "json"],
        Query(description="csv/tsv rows, or JSON (rows as arrays; messages as stored)"),
    ] = "csv",
) -> Response:
    """A project's export over a time range (`timeRange`, or `fromTime` and `toTime`), as a file.

    The rows `analytics-export` writes, by the same code. userId, channel, type and
    conversationId narrow the messages behind the messages, questions and users files. The
    messages file is streamed, however many messages the window holds; the questions and users
    files are built from all of them at once: more than 10,000 is refused (400 saying how many).
    """
    window = _window(timeRange, fromTime, toTime)
    start, end = bounds(window)
    where = MessageFilter(
        project=project,
        from_time=start,
        to_time=end,
        user_id=userId,
        channel=channel,
        message_type=message_type_of(type),
        conversation_id=conversationId,
    )
    name = _file_name(
        table, project, start.date().isoformat() if start else "all", end.date().isoformat()
    )
    if table == "analytics" and where.narrowed:
        raise BadRequest(
            "the analytics file counts the whole project: no userId, channel, type or conversationId"
        )
    if table == "messages":
        return await _streamed_messages(es, indices, where, format, name)
    top = header(project, start, end)
    if table == "analytics":
        ctx = Context(es, indices, settings.cardinality_precision_threshold)
        rows = await analytics_file(ctx, project, window, top)
    else:
        messages = await read_messages(es, indices, where, at_most=MAX_EXPORT_MESSAGES)
        make = questions_file if table == "questions" else users_file
        rows = make(digest(messages), top)
    return _answer(rows, format, name)


def _disposition(name: str, format: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}.{format}"'}


def _answer(rows: list[Row], format: str, name: str) -> Response:
    if format == "json":
        content = orjson.dumps(rows)
    else:
        content = _text_file(rows, "," if format == "csv" else "\t").encode()
    return Response(content, media_type=_MEDIA[format], headers=_disposition(name, format))


async def _streamed_messages(
    es: AsyncElasticsearch, indices: Indices, where: MessageFilter, format: str, name: str
) -> StreamingResponse:
    """The messages file a page at a time: JSON (the messages as stored) or csv/tsv rows.

    The first page is read before answering, so an outage is still a 503; one in the middle
    cuts the transfer short (a client sees an incomplete file, never a complete-looking one).
    """
    pages = message_pages(es, indices, where)
    first = await anext(pages, None)

    def encoded(page: list[dict[str, Any]], position: int) -> bytes:
        if format == "json":
            items = b",".join(orjson.dumps(m) for m in page)
            return (b"," if position and page else b"") + items
        rows = _message_rows(page)[1 if position else 0 :]
        return _text_file(rows, "," if format == "csv" else "\t").encode()

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"[" if format == "json" else b""
            yield encoded(first or [], 0)
            async for page in pages:
                yield encoded(page, 1)
            yield b"]" if format == "json" else b""
        finally:
            await pages.aclose()

    return StreamingResponse(body(), media_type=_MEDIA[format], headers=_disposition(name, format))
