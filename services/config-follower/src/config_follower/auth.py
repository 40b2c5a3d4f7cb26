"""The key on /notify: the leader key of this follower, compared in constant time."""

from __future__ import annotations

from fastapi import Request
from meridian_kit.auth import presented_key, require_key


def check_key(request: Request, expected: str) -> None:
    """401 unless the request carries the expected key (the kit's rule); 403 if none is set."""
    require_key(
        presented_key(request),
        expected,
        credentials="the leader key (`Authorization` header or `?auth=`)",
        setting="the follower's leader auth key",
    )
