"""The alerts endpoint's answer, in the original's shape."""

from __future__ import annotations

from pydantic import BaseModel


class AlertsOut(BaseModel):
    """Points at or over the thresholds, each {<measure>: value, "metric_timestamp": HTTP date
    (the original's), "metric_timestamp_iso": ISO 8601 to the millisecond}."""

    warnings: list[dict[str, float | int | str]]
    errors: list[dict[str, float | int | str]]
