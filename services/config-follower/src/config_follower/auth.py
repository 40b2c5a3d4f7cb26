"""The key on /notify: the leader key of this follower, compared in constant time."""

from __future__ import annotations

from fastapi import Request
from meridian_kit.auth import keys_equal, presented_key
from meridian_kit.errors import Forbidden


def check_key(request: Request, expected: str) -> None:
    """403 unless the request carries the expected key."""
    if not keys_equal(presented_key(request) or "", expected):
        raise Forbidden("invalid or missing key (Authorization header or ?auth=)")
