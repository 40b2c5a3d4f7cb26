"""Keys presented in `Authorization` or `?auth=`, compared in constant time, never logged."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import TypeVar

from fastapi import Request

T = TypeVar("T")


def presented_key(request: Request) -> str | None:
    """The key of a request: the Authorization header, else the `auth` query parameter."""
    key = request.headers.get("authorization") or request.query_params.get("auth")
    return key or None


def keys_equal(presented: str, expected: str) -> bool:
    """Constant-time comparison of two keys."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def find_by_key(presented: str | None, entries: Mapping[str, T]) -> T | None:
    """The entry whose key matches, comparing against every key so timing reveals nothing."""
    if presented is None:
        return None
    found: T | None = None
    for key, entry in entries.items():
        if keys_equal(presented, key):
            found = entry
    return found
