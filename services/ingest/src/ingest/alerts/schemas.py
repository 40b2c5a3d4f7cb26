"""Alert rules: a metric past a threshold for a duration, process restarts, exceptions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

THRESHOLD_BOUND = 1e15  # beyond any cpu %, byte count or axm value; finite, so Mongo stores it


class RuleCreate(BaseModel):
    """A per-bucket alert rule; process and server narrow it to matching names."""

    model_config = ConfigDict(allow_inf_nan=False)

    kind: Literal["metric", "restarts", "exception"]
    metric: str | None = Field(None, min_length=1, max_length=256)
    op: Literal["above", "below"] = "above"
    threshold: float | None = Field(
        None, ge=-THRESHOLD_BOUND, le=THRESHOLD_BOUND, allow_inf_nan=False
    )
    duration_s: int = Field(0, ge=0, le=86_400)
    process: str | None = Field(None, max_length=256)
    server: str | None = Field(None, max_length=256)
    cooldown_s: int = Field(300, ge=0, le=7 * 86_400)
    enabled: bool = True

    @model_validator(mode="after")
    def _metric_needs_threshold(self) -> RuleCreate:
        if self.kind == "metric" and (self.metric is None or self.threshold is None):
            raise ValueError("a metric rule needs `metric` and `threshold`")
        return self


class Rule(RuleCreate):
    """A stored rule."""

    id: str
    bucket_id: str
    created_at: datetime
