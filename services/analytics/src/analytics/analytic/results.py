"""Result shapes: `{"type": "count"|"segmentation"|"aggregation", ..., creationDt, fromDt, toDt}`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analytics.storage.indices import as_utc


def original_iso(moment: datetime) -> str:
    """A UTC moment as the original wrote its own dates: ISO 8601 without an offset."""
    return as_utc(moment).replace(tzinfo=None).isoformat()


def _dates(start: datetime | None, end: datetime) -> dict[str, Any]:
    return {
        "creationDt": original_iso(datetime.now(UTC)),
        "fromDt": original_iso(start) if start is not None else None,
        "toDt": original_iso(end),
    }


def count_result(count: int, start: datetime | None, end: datetime) -> dict[str, Any]:
    """A count result."""
    return {"type": "count", "count": count, **_dates(start, end)}


def segmentation_result(
    segments: list[tuple[str, int]], start: datetime | None, end: datetime
) -> dict[str, Any]:
    """A segmentation result: one {type, count} per segment."""
    return {
        "type": "segmentation",
        "segments": [{"type": name, "count": count} for name, count in segments],
        **_dates(start, end),
    }


def aggregation_result(
    aggregation: dict[str, Any] | None, start: datetime | None, end: datetime
) -> dict[str, Any]:
    """An aggregation result: Elasticsearch's aggregation answer, always a dict (or null)."""
    return {"type": "aggregation", "aggregation": aggregation, **_dates(start, end)}


def unavailable_result(
    kind: str, reason: str, start: datetime | None, end: datetime
) -> dict[str, Any]:
    """A result that could not be computed: its count (or segments) null, and why."""
    value_key = "segments" if kind == "segmentation" else "count"
    return {"type": kind, value_key: None, "error": reason, **_dates(start, end)}
