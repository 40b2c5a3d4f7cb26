"""The shapes the query API answers with (they make its OpenAPI true)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class BucketInfo(BaseModel):
    """The bucket a pair of keys opens, without its secret."""

    id: str
    name: str
    public_key: str
    retention_days: int
    created_at: datetime


class ServerStatus(BaseModel):
    """A server of a bucket, online now or not, with its latest processes."""

    machine_name: str
    hostname: str | None = None
    pm2_version: str | None = None
    agent_version: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    connected_at: datetime | None = None
    online: bool
    status_at: int | None = None
    processes: list[dict[str, Any]] = []


class MetricNames(BaseModel):
    """The metric names reported in a range (cpu and memory always)."""

    metrics: list[str]


class MetricPoint(BaseModel):
    """One interval of a series."""

    t: int
    avg: float | None
    max: float | None
    count: int


class MetricSeries(BaseModel):
    """A metric's avg and max per interval."""

    model_config = ConfigDict(populate_by_name=True)

    metric: str
    interval: str
    from_: int = Field(alias="from")
    to: int
    points: list[MetricPoint]


class LogLine(BaseModel):
    """One log line."""

    at: Any
    server: str | None = None
    process: dict[str, Any] | None = None
    stream: str | None = None
    message: str | None = None


class LogPage(BaseModel):
    """A page of log lines, newest first."""

    total: int
    offset: int
    size: int
    items: list[LogLine]


class ExceptionGroup(BaseModel):
    """Exceptions with one message and stack."""

    fingerprint: str
    count: int
    first_seen: int
    last_seen: int
    name: str | None = None
    message: str | None = None
    stack: str | None = None
    processes: list[Any]


class ExceptionGroups(BaseModel):
    """The exception groups of a range, most recent first."""

    groups: list[ExceptionGroup]


class Event(BaseModel):
    """One entry of the events timeline."""

    at: Any
    channel: str | None = None
    server: str | None = None
    process: dict[str, Any] | None = None
    event: str | None = None
    name: str | None = None
    action_name: str | None = None
    payload: Any = None


class EventPage(BaseModel):
    """A page of the events timeline, newest first."""

    total: int
    offset: int
    size: int
    items: list[Event]
