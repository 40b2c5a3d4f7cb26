"""X-Api-Key authentication: every route but health and documentation carries it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from meridian_kit.auth import require_key

_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="the service's APIKEY")


async def require_api_key(
    request: Request, key: Annotated[str | None, Security(_header)] = None
) -> None:
    """401 for a missing or wrong X-Api-Key (compared in constant time); 403 if APIKEY is unset."""
    require_key(
        key,
        request.app.state.settings.apikey,
        credentials="the `X-Api-Key` header",
        setting="APIKEY",
    )


ApiKey = Depends(require_api_key)
