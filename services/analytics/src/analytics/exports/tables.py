"""Building the export tables from a project's messages and its analytics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analytics.analytic.compute import Context, compute
from analytics.analytic.descriptors import (
    FixedWindow,
    MessageSegmentation,
    MovingWindow,
    UserCount,
)
from analytics.storage.indices import as_utc

Row = list[Any]


def header(project: str, start: datetime | None, end: datetime) -> list[Row]:
    """The rows every csv/tsv file starts with."""
    return [
        ["app id", project],
        ["from", start.isoformat() if start else ""],
        ["to", end.isoformat()],
    ]


def _text(content: Any) -> str | None:
    if isinstance(content, dict) and content.get("type") == "text":
        return content["value"]
    return None


@dataclass
class MessageDigest:
    """What the questions and users files need, gathered in one pass over the messages."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, message: dict[str, Any]) -> None:
        """Takes one message into account."""
        user = self.users.setdefault(
            message["userId"], {"questions": 0, "answers": 0, "first": None, "last": None}
        )
        moment = message["timestamp"]
        if user["first"] is None or order(moment) < order(user["first"]):
            user["first"] = moment
        if user["last"] is None or order(moment) > order(user["last"]):
            user["last"] = moment
        if message["type"] == "request":
            user["questions"] += 1
            self.requests.append(message)
        elif message["type"] == "response":
            user["answers"] += 1
            if message.get("responseTo"):
                key = (message["userId"], message["responseTo"])
                known = self.answers.get(key)
                if known is None or order(moment) < order(known["timestamp"]):
                    self.answers[key] = message


def order(moment: str) -> datetime:
    """A stored timestamp as a UTC datetime (for sorting)."""
    return as_utc(datetime.fromisoformat(moment))


def digest(messages: Iterable[dict[str, Any]]) -> MessageDigest:
    """The digest of some messages."""
    out = MessageDigest()
    for message in messages:
        out.add(message)
    return out


def question_rows(data: MessageDigest) -> list[Row]:
    """question,answer: each textual request, oldest first, with its first response's text."""
    rows: list[Row] = []
    for request in sorted(data.requests, key=lambda m: (order(m["timestamp"]), m["messageId"])):
        question = _text(request.get("content"))
        if question is None:
            continue
        answer = data.answers.get((request["userId"], request["messageId"]))
        rows.append([question, _text(answer.get("content")) if answer else ""])
    return rows


def user_rows(data: MessageDigest) -> list[Row]:
    """user id, questions, answers, first activity, last activity — one row per user."""
    return [
        [user_id, u["questions"], u["answers"], u["first"], u["last"]]
        for user_id, u in sorted(data.users.items())
    ]


# The users rows of the analytics file: label, UserCount metric, description.
USER_METRICS = [
    ("total users", "total", "The total number of users of the application"),
    ("active users", "active", "The number of users who sent messages to the application"),
    ("engaged users", "engaged", "The number of users who received a notification"),
    ("new users", "new", "The number of users seen for the first time in this period"),
]


async def user_count(
    ctx: Context, project: str, window: MovingWindow | FixedWindow, metric: str
) -> int:
    """A user count of the project in the window, as the API's analytic computes it."""
    d = UserCount(type="count", dimension="user", metric=metric, project=project, timespan=window)  # type: ignore[arg-type]
    return ((await compute(ctx, d)) or {})["count"]  # counts always have a result


async def message_segments(
    ctx: Context, project: str, window: MovingWindow | FixedWindow, metric: str
) -> dict[str, int]:
    """A message segmentation of the project in the window: segment → count."""
    d = MessageSegmentation(
        type="segmentation",
        dimension="message",
        metric=metric,
        project=project,
        timespan=window,
    )  # type: ignore[arg-type]
    result = (await compute(ctx, d)) or {}
    return {s["type"]: s["count"] for s in result["segments"]}


def message_rows(by_type: dict[str, int], by_content: dict[str, int]) -> list[Row]:
    """The messages rows of the analytics file, from the messages by type and requests by
    content type."""
    return [
        ["total messages", sum(by_type.values()), "The total number of messages exchanged"],
        ["messages from users", by_type.get("request", 0), "The number of messages sent by users"],
        [
            "user textual messages",
            by_content.get("text", 0),
            "The number of textual messages sent by users",
        ],
        [
            "user action messages",
            by_content.get("action", 0),
            "The number of action messages (buttons, commands) sent by users",
        ],
        [
            "messages from bot",
            by_type.get("response", 0),
            "The number of responses sent by the application",
        ],
        [
            "notifications",
            by_type.get("notification", 0),
            "The number of notifications sent to users",
        ],
    ]


async def analytic_rows(
    ctx: Context, project: str, window: MovingWindow | FixedWindow
) -> list[Row]:
    """metric,count,description rows, computed by the same code as the API's analytics."""
    by_type = await message_segments(ctx, project, window, "all")
    by_content = await message_segments(ctx, project, window, "requests")
    rows: list[Row] = [
        [label, await user_count(ctx, project, window, metric), description]
        for label, metric, description in USER_METRICS
    ]
    return rows + message_rows(by_type, by_content)
