"""Result shapes: `{"type": "count"|"segmentation"|"aggregation", ..., creationDt, fromDt, toDt}`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def _dates(start: datetime | None, end: datetime) -> dict[str, Any]:
    return {
        "creationDt": datetime.now(UTC).isoformat(),
        "fromDt": start.isoformat() if start is not None else None,
        "toDt": end.isoformat(),
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
