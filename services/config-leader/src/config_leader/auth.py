"""Keys presented in `Authorization` or `?auth=`, compared in constant time, never logged.

The kit's rule: a missing or unknown key → 401; the admin API without adminKey configured → 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from meridian_kit.auth import match_key, require_key

T = TypeVar("T")

KEY_CREDENTIALS = "a key in the `Authorization` header or `?auth=`"


def find_by_key(presented: str | None, entries: Mapping[str, T]) -> T | None:
    """The entry whose key matches, comparing against every key so timing reveals nothing."""
    return match_key(presented, entries)


def check_admin_key(presented: str | None, admin_key: str | None) -> None:
    """401 for a missing or wrong admin key; 403 when config-leader.json has no adminKey."""
    require_key(
        presented,
        admin_key,
        credentials="the admin key (`Authorization` header or `?auth=`)",
        setting="adminKey",
        disabled="admin API disabled: no adminKey in config-leader.json",
    )
