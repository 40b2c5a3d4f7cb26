"""Keys presented in `Authorization` or `?auth=`, compared in constant time, never logged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from meridian_kit.auth import keys_equal

T = TypeVar("T")


def find_by_key(presented: str | None, entries: Mapping[str, T]) -> T | None:
    """The entry whose key matches, comparing against every key so timing reveals nothing."""
    if presented is None:
        return None
    found: T | None = None
    for key, entry in entries.items():
        if keys_equal(presented, key):
            found = entry
    return found
