"""The two tokens: the read token reads, the write token reads and writes; checked in one place.

`check_access` is the one function every guarded route goes through (via the dependencies in
deps.py and the /metrics guard), so moving to the kit's auth helpers changes only this file.
"""

from __future__ import annotations

from enum import Enum

from meridian_kit.auth import keys_equal
from meridian_kit.errors import Forbidden, Unauthorized
from starlette.requests import HTTPConnection

from metrics_api.settings import Settings


class Access(Enum):
    """What a route needs."""

    READ = "read"
    WRITE = "write"


def presented_token(conn: HTTPConnection) -> str | None:
    """The token of `Authorization: Bearer <token>` (a bare token is taken too); never a query
    parameter, so a token never lands in an access log."""
    header = conn.headers.get("authorization", "").strip()
    scheme, _, rest = header.partition(" ")
    if rest and scheme.lower() == "bearer":
        header = rest.strip()
    return header or None


def _matches(presented: str, expected: str) -> bool:
    return bool(expected) and keys_equal(presented, expected)


def check_access(conn: HTTPConnection, settings: Settings, need: Access) -> Access:
    """The caller's access: missing or unknown token → 401, the read token on a write → 403."""
    token = presented_token(conn)
    if token is None:
        raise Unauthorized(
            "credentials required: Authorization: Bearer <METRICS_API_READ_TOKEN or "
            "METRICS_API_WRITE_TOKEN>",
            detail={"field": "Authorization"},
        )
    # Both comparisons always run: the time taken does not tell which token was close.
    is_write = _matches(token, settings.write_token)
    is_read = _matches(token, settings.read_token)
    if is_write:
        return Access.WRITE
    if not is_read:
        raise Unauthorized("invalid token", detail={"field": "Authorization"})
    if need is Access.WRITE:
        raise Forbidden("the read token cannot write: use METRICS_API_WRITE_TOKEN")
    return Access.READ
