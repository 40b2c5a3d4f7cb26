"""Small query builders shared by every domain."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def term(field: str, value: Any) -> dict[str, Any]:
    """An exact match on a field (use the `.keyword` sub-field for strings)."""
    return {"term": {field: value}}


def time_range(
    start: datetime | None, end: datetime | None, *, field: str = "timestamp"
) -> dict[str, Any]:
    """`start <= field <= end`, either bound optional."""
    bounds: dict[str, Any] = {}
    if start is not None:
        bounds["gte"] = start.isoformat()
    if end is not None:
        bounds["lte"] = end.isoformat()
    return {"range": {field: bounds}}


def all_of(*clauses: dict[str, Any] | None) -> dict[str, Any]:
    """A bool filter of the given clauses (None ones skipped)."""
    return {"bool": {"filter": [c for c in clauses if c is not None]}}


def timestamp_sort(order: str = "asc") -> list[dict[str, Any]]:
    """Sorting on timestamp even where an index has no mapping for it yet."""
    return [{"timestamp": {"order": order, "unmapped_type": "date"}}]
