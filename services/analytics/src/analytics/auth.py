"""Who may call: the service's APIKEY (`X-Api-Key`, or the original's `x-wenet-component-apikey`
header), or a signed-in operator's token (`Authorization: Bearer <JWT>`).

An operator's token is the config-leader's JWT, checked with MERIDIAN_OPERATOR_PUBLIC_KEY by
meridian_kit.operator_tokens (the console sends it). Any valid operator token reads what the
APIKEY reads; a write (POST, DELETE) needs the leader's `analytics:update` permission, else 403
naming it; a forged or expired token is a 401 saying why. Machines (chatbot back ends, scripts)
keep the APIKEY, unchanged."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials
from meridian_kit.auth import bearer_security, operator_of_token, require_key, write_permission

from analytics.deps import state_of

_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="the service's APIKEY")
# The header the original service and its clients (the WeNet client library, its scripts) send.
_wenet_header = APIKeyHeader(
    name="x-wenet-component-apikey",
    auto_error=False,
    description="the service's APIKEY, as the original's clients send it",
)
ANALYTICS_UPDATE = "analytics:update"  # the leader's permission an operator's write needs
_bearer = bearer_security("a signed-in operator's token (the config-leader's JWT)")


async def require_api_key(
    request: Request,
    key: Annotated[str | None, Security(_header)] = None,
    wenet_key: Annotated[str | None, Security(_wenet_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """An operator token, or the APIKEY: 401 for a missing or wrong one (compared in constant
    time) or a forged/expired operator token; 403 if APIKEY is unset and no operator token came."""
    presented = key if key is not None else wenet_key
    # an operator's write (store or delete data, create, compute or delete a descriptor) needs
    # analytics:update
    needs = write_permission(request, ANALYTICS_UPDATE)
    if (
        presented is None
        and operator_of_token(bearer.credentials if bearer else None, "analytics", needs)
        is not None
    ):
        return
    require_key(
        presented,
        state_of(request).settings.apikey,
        credentials="the `X-Api-Key` (or `x-wenet-component-apikey`) header, "
        "or `Authorization: Bearer <operator token>`",
        setting="APIKEY",
    )


ApiKey = Depends(require_api_key)
