"""Who may call: the service's APIKEY (`X-Api-Key`, or the original's `x-wenet-component-apikey`
header), or a signed-in operator's token (`Authorization: Bearer <JWT>`).

An operator's token is the config-leader's JWT, checked with MERIDIAN_OPERATOR_PUBLIC_KEY by
meridian_kit.operator_tokens (the console sends it). The leader has no analytics permission group,
so any valid operator token opens what the APIKEY opens; a forged or expired one is a 401 saying
why. Machines (chatbot back ends, scripts) keep the APIKEY."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials
from meridian_kit.auth import bearer_security, operator_of_token, require_key

from analytics.deps import state_of

_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="the service's APIKEY")
# The header the original service and its clients (the WeNet client library, its scripts) send.
_wenet_header = APIKeyHeader(
    name="x-wenet-component-apikey",
    auto_error=False,
    description="the service's APIKEY, as the original's clients send it",
)
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
    if (
        presented is None
        and operator_of_token(bearer.credentials if bearer else None, "analytics") is not None
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
