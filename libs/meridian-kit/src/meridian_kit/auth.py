"""Keys and tokens: where a request carries one, and comparing it in constant time."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection


def keys_equal(presented: str, expected: str) -> bool:
    """Constant-time comparison of a presented key with the expected one."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def presented_key(conn: HTTPConnection) -> str | None:
    """A raw key in the `Authorization` header, else in the `auth` query parameter (Pryv's way)."""
    return conn.headers.get("authorization") or conn.query_params.get("auth") or None
