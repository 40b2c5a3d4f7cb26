"""Bounds on a dashboard's data: how deep it nests and how large it is, checked without recursion."""

from __future__ import annotations

import math
from typing import Any

import orjson

MAX_DEPTH = 32
MAX_BYTES = 256 * 1024


def shape_problem(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """Nesting deeper than `limit` objects/arrays, or a non-finite number (walked with a stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return "data holds a number that is not finite"
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return f"data nests deeper than {limit} levels"
        stack.extend((child, depth + 1) for child in children)
    return None


def data_problem(data: Any) -> str | None:
    """Why this dashboard data cannot be kept or shown, or None when it can (any JSON value but
    null: the original's PUT stored whatever JSON it was given)."""
    if data is None:
        return "data must not be null"
    problem = shape_problem(data)
    if problem is not None:
        return problem
    try:
        size = len(orjson.dumps(data))
    except (orjson.JSONEncodeError, TypeError) as exc:
        return f"data is not plain JSON: {exc}"
    if size > MAX_BYTES:
        return f"data is larger than {MAX_BYTES} bytes ({size})"
    return None
