"""Bearer KMDB_API_TOKEN on every route but health, metrics and documentation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from meridian_kit.auth import keys_equal
from meridian_kit.errors import Forbidden, Unauthorized

from kmdb.api.deps import SettingsDep

_bearer = HTTPBearer(auto_error=False, description="the service's KMDB_API_TOKEN")


async def require_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """401 without `Authorization: Bearer <KMDB_API_TOKEN>` or with a wrong one; 403 if unset."""
    expected = settings.api_token
    if not expected:
        raise Forbidden("kmdb API disabled: KMDB_API_TOKEN is not set")
    if credentials is None:
        raise Unauthorized("missing `Authorization: Bearer <KMDB_API_TOKEN>` header")
    if not keys_equal(credentials.credentials, expected):
        raise Unauthorized("wrong token in the `Authorization: Bearer` header")


TokenDep = Depends(require_token)
