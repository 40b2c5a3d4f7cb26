"""The log model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from analytics.strict_types import FreeObject, Moment


class Log(BaseModel):
    """One log line of a chatbot component."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    logId: str = Field(min_length=1)
    project: str = Field(min_length=1)
    component: str = Field(min_length=1)
    severity: str = Field(min_length=1)
    logContent: str
    timestamp: Moment
    authority: str | None = None
    botVersion: str | None = None
    metadata: FreeObject | None = None
