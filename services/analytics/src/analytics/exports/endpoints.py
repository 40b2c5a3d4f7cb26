"""GET /export/{table}: the files `analytics-export` writes, downloaded (bounded)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
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
    message_query,
    questions_file,
    read_messages,
    users_file,
)
from analytics.exports.tables import Row, digest, header
from analytics.messages.schemas import MESSAGE_TYPES, StoredMessage
from analytics.storage.queries import term
from analytics.strict_types import Moment, Text

router = APIRouter(prefix="/export", tags=["exports"], dependencies=[ApiKey])

MAX_EXPORT_MESSAGES = 10000  # messages one export reads at most (GET /messages' maxSize bound)
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
    conversationId narrow the messages behind the messages, questions and users files; a
    window of more than 10,000 messages is refused (400 saying how many) rather than read.
    """
    window = _window(timeRange, fromTime, toTime)
    start, end = bounds(window)
    narrowed = any(v is not None for v in (userId, channel, type, conversationId))
    if table == "analytics" and narrowed:
        raise BadRequest(
            "the analytics file counts the whole project: no userId, channel, type or conversationId"
        )
    top = header(project, start, end)
    if table == "analytics":
        ctx = Context(es, indices, settings.cardinality_precision_threshold)
        rows = await analytics_file(ctx, project, window, top)
        return _answer(rows, format, project, table, start, end)
    kind = type.lower() if type is not None and type.lower() in MESSAGE_TYPES else type
    query = message_query(
        project,
        start,
        end,
        term("userId.keyword", userId) if userId else None,
        term("channel.keyword", channel) if channel else None,
        term("type.keyword", kind) if kind else None,
        term("conversationId.keyword", conversationId) if conversationId else None,
    )
    messages = await read_messages(es, indices, query, at_most=MAX_EXPORT_MESSAGES)
    if table == "messages" and format == "json":
        return _answer(messages, format, project, table, start, end)
    if table == "messages":
        rows = _message_rows(messages)
    elif table == "questions":
        rows = questions_file(digest(messages), top)
    else:
        rows = users_file(digest(messages), top)
    return _answer(rows, format, project, table, start, end)


def _answer(
    body: list[Any], format: str, project: str, table: str, start: datetime | None, end: datetime
) -> Response:
    name = _file_name(
        table, project, start.date().isoformat() if start else "all", end.date().isoformat()
    )
    if format == "json":
        content = orjson.dumps(body)
    else:
        content = _text_file(body, "," if format == "csv" else "\t").encode()
    disposition = f'attachment; filename="{name}.{format}"'
    return Response(
        content, media_type=_MEDIA[format], headers={"Content-Disposition": disposition}
    )
