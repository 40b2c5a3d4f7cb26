"""The key on /notify: the leader key of this follower, compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Request
from meridian_kit.errors import Forbidden


def presented_key(request: Request) -> str | None:
    """The key of a request: the Authorization header, else the `auth` query parameter."""
    return request.headers.get("authorization") or request.query_params.get("auth") or None


def check_key(request: Request, expected: str) -> None:
    """403 unless the request carries the expected key."""
    presented = presented_key(request) or ""
    if not hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8")):
        raise Forbidden("invalid or missing key (Authorization header or ?auth=)")
