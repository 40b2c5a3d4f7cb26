"""X-Api-Key authentication: every route but health and documentation carries it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from meridian_kit.auth import keys_equal
from meridian_kit.errors import Unauthorized

_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="the service's APIKEY")


async def require_api_key(
    request: Request, key: Annotated[str | None, Security(_header)] = None
) -> None:
    """Refuses (401) a request without the right key; compares in constant time."""
    expected: str = request.app.state.settings.apikey
    if key is None or not keys_equal(key, expected):
        raise Unauthorized("missing or wrong X-Api-Key header")


ApiKey = Depends(require_api_key)
