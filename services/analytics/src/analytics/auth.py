"""API key authentication: `X-Api-Key`, or the original's `x-wenet-component-apikey` header."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from meridian_kit.auth import require_key

from analytics.deps import state_of

_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="the service's APIKEY")
# The header the original service and its clients (the WeNet client library, its scripts) send.
_wenet_header = APIKeyHeader(
    name="x-wenet-component-apikey",
    auto_error=False,
    description="the service's APIKEY, as the original's clients send it",
)


async def require_api_key(
    request: Request,
    key: Annotated[str | None, Security(_header)] = None,
    wenet_key: Annotated[str | None, Security(_wenet_header)] = None,
) -> None:
    """401 for a missing or wrong key (compared in constant time); 403 if APIKEY is unset."""
    require_key(
        key if key is not None else wenet_key,
        state_of(request).settings.apikey,
        credentials="the `X-Api-Key` (or `x-wenet-component-apikey`) header",
        setting="APIKEY",
    )


ApiKey = Depends(require_api_key)
