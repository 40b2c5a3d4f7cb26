"""The log model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Log(BaseModel):
    """One log line of a chatbot component."""

    model_config = ConfigDict(extra="forbid")

    logId: str = Field(min_length=1)
    project: str = Field(min_length=1)
    component: str = Field(min_length=1)
    severity: str = Field(min_length=1)
    logContent: str
    timestamp: datetime
    authority: str | None = None
    botVersion: str | None = None
    metadata: dict[str, Any] | None = None
