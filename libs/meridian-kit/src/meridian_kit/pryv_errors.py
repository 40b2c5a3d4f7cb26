"""Pryv's error body, `{"error": {"message": "..."}}`, on the routes the originals had.

Used by config-leader (its /conf, /admin, /auth, /users routes) and config-follower (/notify).

The kit answers `{"error": "...", "detail": ...}` everywhere; under the given path prefixes the
same errors (raised by a route, a dependency, the JSON-body middleware or routing) are re-shaped
to the original's nested form, `detail` kept inside when there is one.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Scope

from meridian_kit.errors import ServiceError

_KEPT_HEADERS = ("www-authenticate", "retry-after", "allow")


class PryvErrorMessage(BaseModel):
    """What went wrong."""

    message: str
    detail: Any = Field(None, description="more about it: for a refused body, the fields")


class PryvErrorBody(BaseModel):
    """The original leader's and follower's error body."""

    error: PryvErrorMessage


def route_path(scope: Scope) -> str:
    """The path below the prefix the app is mounted under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in prefixes)


def nest(response: Response) -> JSONResponse:
    """A kit error response re-shaped as `{"error": {"message", "detail"?}}`."""
    body = json.loads(bytes(response.body))
    nested: dict[str, Any] = {"message": body.get("error", "error")}
    if body.get("detail") is not None:
        nested["detail"] = body["detail"]
    headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
    return JSONResponse({"error": nested}, status_code=response.status_code, headers=headers)


def install_pryv_error_shape(app: FastAPI, prefixes: tuple[str, ...]) -> None:
    """Errors under `prefixes` answer in the original's shape; elsewhere the kit's, unchanged."""
    for kind in (ServiceError, RequestValidationError, StarletteHTTPException):
        kit_handler = app.exception_handlers[kind]

        async def handler(request: Request, exc: Exception, kit_handler: Any = kit_handler) -> Any:
            response = kit_handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
            return nest(response) if _under(route_path(request.scope), prefixes) else response

        app.add_exception_handler(kind, handler)
