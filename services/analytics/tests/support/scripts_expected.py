"""The scripts' tests' data, and what each file should then hold, computed here from that data
alone (plain filters over the list the test stores, not the scripts' code)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# The fixed window the tests pass as -s/-e (naive: UTC).
START, END = datetime(2026, 1, 10), datetime(2026, 1, 20)


def utc(moment: str) -> datetime:
    """An ISO time as an aware UTC datetime (naive is UTC)."""
    parsed = datetime.fromisoformat(moment)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def inside(moment: str, start: datetime | None, end: datetime) -> bool:
    """start <= moment <= end (None: no lower bound)."""
    low = datetime.min.replace(tzinfo=UTC) if start is None else start.replace(tzinfo=UTC)
    return low <= utc(moment) <= end.replace(tzinfo=UTC)


@dataclass
class World:
    """One test module's apps, users and messages (names unique to the run)."""

    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    messages: list[dict[str, Any]] = field(default_factory=list)

    def app(self, name: str) -> str:
        """This run's name for an app."""
        return f"scripts-{self.run}-{name}"

    def user(self, name: str) -> str:
        """This run's name for a user."""
        return f"{name}-{self.run}"

    def say(
        self, app: str, user: str, kind: str, when: str, content: dict[str, Any], **extra: Any
    ) -> None:
        """Adds a message."""
        number = len(self.messages)
        self.messages.append(
            {
                "messageId": extra.pop("messageId", f"m{number}"),
                "channel": "telegram",
                "userId": self.user(user),
                "timestamp": when,
                "project": self.app(app),
                "type": kind,
                "content": content,
                "metadata": extra.pop("metadata", {}),
                **extra,
            }
        )

    def of(self, app: str, start: datetime | None, end: datetime) -> list[dict[str, Any]]:
        """An app's messages in a range, oldest first."""
        chosen = [
            m
            for m in self.messages
            if m["project"] == self.app(app) and inside(m["timestamp"], start, end)
        ]
        return sorted(chosen, key=lambda m: utc(m["timestamp"]))

    def users_of(self, app: str, start: datetime | None, end: datetime) -> list[str]:
        """The ids of an app's users with a message in the range, sorted."""
        return sorted({m["userId"] for m in self.of(app, start, end)})

    def ever_used(self, app: str, user_id: str) -> bool:
        """Whether a user has any message in an app."""
        return any(m["project"] == self.app(app) and m["userId"] == user_id for m in self.messages)


def text(value: str) -> dict[str, Any]:
    """A text content."""
    return {"type": "text", "value": value}


def analytic_rows(world: World, app: str, start: datetime | None, end: datetime) -> list[list[Any]]:
    """metric and count of the ten message rows (descriptions are ours, not compared)."""
    window = world.of(app, start, end)
    before = None if start is None else start.replace(tzinfo=UTC)
    earlier = {
        m["userId"]
        for m in world.messages
        if m["project"] == world.app(app) and before and utc(m["timestamp"]) < before
    }

    def users(kind: str | None = None) -> set[str]:
        return {m["userId"] for m in window if kind is None or m["type"] == kind}

    def count(kind: str, content: str | None = None) -> int:
        return sum(
            1
            for m in window
            if m["type"] == kind and (content is None or m["content"]["type"] == content)
        )

    return [
        ["total users", len(users())],
        ["active users", len(users("request"))],
        ["engaged users", len(users("notification"))],
        ["new users", len(users() - earlier)],
        ["total messages", len(window)],
        ["messages from users", count("request")],
        ["user textual messages", count("request", "text")],
        ["user action messages", count("request", "action")],
        ["messages from bot", count("response")],
        ["messages from wenet", count("notification")],
    ]


def days_ago(days: int, hour: int = 12) -> str:
    """An ISO time `days` days before today, at `hour` UTC."""
    moment = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (moment - timedelta(days=days)).isoformat()
