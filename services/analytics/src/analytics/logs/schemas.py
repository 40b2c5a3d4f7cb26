"""The log model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from analytics.strict_types import FreeObject, Moment


class Log(BaseModel):
    """One log line of a chatbot component."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    logId: str = Field(min_length=1)
    project: str = Field(min_length=1)
    component: str = Field(min_length=1)
    severity: str = Field(min_length=1)
    logContent: str
    timestamp: Moment
    authority: str | None = None
    botVersion: str | None = None
    metadata: FreeObject | None = None


class InvalidLog(BaseModel):
    """A log of a batch that was not stored, and why."""

    position: int
    logId: str | None
    error: str


class LogsStored(BaseModel):
    """POST /logs' answer: the stored logs' trace ids, and the invalid logs of the batch."""

    traceIds: list[str]
    status: str
    code: int
    invalid: list[InvalidLog] = []


class LogsStoredV1(BaseModel):
    """POST /v1/logs' answer, as 1.x services gave it (the client library's add_log reads it)."""

    logId: list[str]
    status: str
    code: int


class StoredLog(BaseModel):
    """A log as stored and read back (GET /log, /logs), its fields in the order stored."""

    model_config = ConfigDict(extra="allow")

    logId: str
    project: str
    component: str
    severity: str
    logContent: str
    timestamp: str = Field(description="ISO 8601, as sent")
    authority: str | None = None
    botVersion: str | None = None
    metadata: dict[str, Any] | None = None
    traceId: str = Field(description="the document id")
