"""Bearer KMDB_API_TOKEN on every route but health, metrics and documentation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials
from meridian_kit.auth import bearer_challenge, bearer_security, require_key

from kmdb.api.deps import SettingsDep

_bearer = bearer_security("the service's KMDB_API_TOKEN")


async def require_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> None:
    """401 without `Authorization: Bearer <KMDB_API_TOKEN>` or with a wrong one; 403 if unset."""
    require_key(
        credentials.credentials if credentials else None,
        settings.api_token,
        credentials="`Authorization: Bearer <KMDB_API_TOKEN>`",
        setting="KMDB_API_TOKEN",
        disabled="kmdb API disabled: KMDB_API_TOKEN is not set",
        challenge=bearer_challenge("kmdb-import"),
    )


TokenDep = Depends(require_token)
